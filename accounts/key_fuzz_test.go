package accounts

// Fuzz targets for what reads a presented key and a key's scopes (issue
// 9). Their seeds run with the ordinary tests; a real run is
//
//	go test -run XXX -fuzz '^FuzzAuthenticateKey$' -fuzztime 5s ./accounts/

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// keyFormat is the documented shape of a key, written independently of
// WellFormed.
var keyFormat = regexp.MustCompile(`^kn_live_[0-9A-Za-z]{32}$`)

// A presented key of the wrong shape is refused before any database read.
// The store's bbolt file is closed once the live key is cached, so every
// lookup that reaches the database fails with ErrDatabaseNotOpen: a refusal
// without that error read nothing.
func FuzzAuthenticateKey(f *testing.F) {
	db, err := bolt.Open(filepath.Join(f.TempDir(), "kaine.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	s, err := Open(db, Options{})
	if err != nil {
		f.Fatal(err)
	}
	u, err := s.CreateUser("fuzz", "fuzz@example.com", "starter")
	if err != nil {
		f.Fatal(err)
	}
	live, _, err := s.CreateKey(u.ID, "live", ScopeRead)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.Authenticate(live); err != nil { // now cached
		f.Fatal(err)
	}
	if err := s.FlushLastUsed(); err != nil {
		f.Fatal(err)
	}
	if err := db.Close(); err != nil {
		f.Fatal(err)
	}
	if _, err := s.Authenticate("kn_live_" + "0123456789abcdefghijABCDEFGHIJ01"); !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		f.Fatalf("a well-formed unknown key: err = %v; the seam does not show database reads", err)
	}
	f.Cleanup(func() { s.cache.Close() }) // s.Close would flush to the closed file

	for _, seed := range []string{
		live,
		"kn_live_0123456789abcdefghijABCDEFGHIJ01",
		live[:len(live)-1],
		live + "x",
		"kn_test_" + live[len(KeyPrefix):],
		"KN_LIVE_" + live[len(KeyPrefix):],
		"kn_live_" + "0123456789abcdefghijABCDEFGHIJ0-",
		"kn_live_" + "0123456789abcdefghijABCDEFGHI\u00e9",
		" " + live[1:],
		"kn_live_",
		"",
		"sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
		"kn_live_0123456789abcdefghijABCDEFGHIJ0\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		want := keyFormat.MatchString(key)
		if WellFormed(key) != want {
			t.Fatalf("WellFormed(%q) = %v; the format says %v", key, !want, want)
		}
		if HashKey(key) != sha256.Sum256([]byte(key)) {
			t.Fatalf("HashKey(%q) is not its SHA-256", key)
		}
		id, err := s.Authenticate(key)
		switch {
		case !want:
			if id != nil || err != ErrInvalidKey {
				t.Fatalf("Authenticate(%q) = %v, %v; want ErrInvalidKey without a database read", key, id, err)
			}
		case key == live:
			if err != nil || id == nil || id.UserID != u.ID {
				t.Fatalf("Authenticate(live) = %v, %v", id, err)
			}
		default:
			if id != nil || !errors.Is(err, berrors.ErrDatabaseNotOpen) {
				t.Fatalf("Authenticate(%q) = %v, %v; a well-formed unknown key must be looked up", key, id, err)
			}
		}
	})
}

// Scopes as the admin API receives them: a list of names, each known.
func FuzzScopesJSON(f *testing.F) {
	for _, seed := range []string{
		`["read"]`, `["write"]`, `["read","write"]`, `["write","read","read"]`,
		`[]`, `null`, `["admin"]`, `["Read"]`, `"read"`, `["read",1]`, `{"read":true}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Scopes
		if err := json.Unmarshal(data, &s); err != nil {
			if s != 0 {
				t.Fatalf("%q: refused (%v) but set %v", data, err, s)
			}
			return
		}
		if s == 0 || s&^(ScopeRead|ScopeWrite) != 0 {
			t.Fatalf("%q: accepted as %v", data, s)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var again Scopes
		if err := json.Unmarshal(out, &again); err != nil || again != s {
			t.Fatalf("%q → %s → %v, %v", data, out, again, err)
		}
	})
}
