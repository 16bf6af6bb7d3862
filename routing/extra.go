package routing

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

// extraName is what a front's own field may be named: the identifiers
// every provider's top-level fields are, so the name needs no escaping.
var extraName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// encodeBody encodes a request body, then adds the front's own fields
// (Extra) for protocol after the client's, as the front sent them. own are
// the fields the client sets itself, which Extra may not hold: it would
// override or duplicate them. Refuses has already refused Extra meant for
// another protocol.
func encodeBody(payload any, extra *Extra, protocol string, own map[string]bool) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encoding the request: %w", err)
	}
	if extra == nil || extra.Protocol != protocol || len(extra.Fields) == 0 {
		return body, nil
	}
	if err := checkExtra(extra.Fields, own); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	// The body is a JSON object with fields: splice before its last brace.
	body = body[:len(body)-1]
	for _, f := range extra.Fields {
		body = append(body, `,"`...)
		body = append(body, f.Name...)
		body = append(body, `":`...)
		body = append(body, f.Value...)
	}
	return append(body, '}'), nil
}

// checkExtra checks a front's own fields: each named once, never one the
// client sets itself, and each value JSON.
func checkExtra(fields []ExtraField, own map[string]bool) error {
	for i, f := range fields {
		switch {
		case !extraName.MatchString(f.Name):
			return fmt.Errorf("extra field %q is not a field name", f.Name)
		case own[f.Name]:
			return fmt.Errorf("extra field %q is one the gateway sets itself", f.Name)
		case !json.Valid(f.Value):
			return fmt.Errorf("extra field %q: the value is not JSON", f.Name)
		}
		for _, earlier := range fields[:i] {
			if earlier.Name == f.Name {
				return fmt.Errorf("extra field %q is given twice", f.Name)
			}
		}
	}
	return nil
}

// jsonFields are the top-level fields a request type encodes, read from its
// tags so that a field added to it is reserved too, and aliases (names the
// provider also takes for them).
func jsonFields(request any, aliases ...string) map[string]bool {
	t := reflect.TypeOf(request)
	fields := make(map[string]bool, t.NumField()+len(aliases))
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fields[name] = true
	}
	for _, a := range aliases {
		fields[a] = true
	}
	return fields
}
