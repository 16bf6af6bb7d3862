package accounts

import (
	"encoding/json"
	"fmt"
)

// Scopes is the set of permissions a key holds. read and write are
// independent: a write-only key cannot read.
type Scopes uint8

const (
	ScopeRead Scopes = 1 << iota
	ScopeWrite
)

var scopeNames = []struct {
	scope Scopes
	name  string
}{{ScopeRead, "read"}, {ScopeWrite, "write"}}

// ParseScopes turns names into a set. It refuses an empty list and any name
// it does not know, so a typo never silently yields a weaker key.
func ParseScopes(names []string) (Scopes, error) {
	if len(names) == 0 {
		return 0, fmt.Errorf("%w: give at least one of read, write", ErrInvalidScope)
	}
	var s Scopes
	for _, n := range names {
		one, ok := scopeByName(n)
		if !ok {
			return 0, fmt.Errorf("%w: unknown scope %q (known: read, write)", ErrInvalidScope, n)
		}
		s |= one
	}
	return s, nil
}

func scopeByName(name string) (Scopes, bool) {
	for _, sn := range scopeNames {
		if sn.name == name {
			return sn.scope, true
		}
	}
	return 0, false
}

// Has reports whether every scope in want is in s.
func (s Scopes) Has(want Scopes) bool { return s&want == want }

// Names lists the scopes in a fixed order.
func (s Scopes) Names() []string {
	names := make([]string, 0, len(scopeNames))
	for _, sn := range scopeNames {
		if s.Has(sn.scope) {
			names = append(names, sn.name)
		}
	}
	return names
}

func (s Scopes) String() string {
	switch s {
	case ScopeRead:
		return "read"
	case ScopeWrite:
		return "write"
	case ScopeRead | ScopeWrite:
		return "read,write"
	}
	return fmt.Sprintf("Scopes(%d)", uint8(s))
}

// MarshalJSON writes the scopes as a list of names, as the API shows them.
func (s Scopes) MarshalJSON() ([]byte, error) { return json.Marshal(s.Names()) }

// UnmarshalJSON reads a list of names.
func (s *Scopes) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return fmt.Errorf("scopes: %w", err)
	}
	parsed, err := ParseScopes(names)
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}
