package accounts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// testStore opens a Store on a fresh bbolt file with a settable clock.
func testStore(t testing.TB) (*Store, *atomic.Int64, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kaine.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Unix())
	s, err := Open(db, Options{Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return s, &clock, path
}

func mustUser(t testing.TB, s *Store, name string) User {
	t.Helper()
	u, err := s.CreateUser(name, name+"@example.com", "starter")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCreateUserRejectsDuplicatesAndBadInput(t *testing.T) {
	s, _, _ := testStore(t)
	u := mustUser(t, s, "angel")
	if u.ID != 1 || u.Tier != "starter" || u.CreatedAt.IsZero() {
		t.Fatalf("user = %+v", u)
	}
	if _, err := s.CreateUser("angel", "other@example.com", "pro"); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("duplicate username: err = %v", err)
	}
	for _, tc := range []struct{ name, email, tier string }{
		{"", "a@example.com", "pro"},
		{"has space", "a@example.com", "pro"},
		{"12345", "a@example.com", "pro"}, // would read as a user ID
		{"bob", "not-an-email", "pro"},
		{"bob", "Bob <bob@example.com>", "pro"},
		{"bob", "bob@example.com", ""},
	} {
		if _, err := s.CreateUser(tc.name, tc.email, tc.tier); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("CreateUser(%q, %q, %q): err = %v, want ErrInvalidInput", tc.name, tc.email, tc.tier, err)
		}
	}
	users, err := s.Users()
	if err != nil || len(users) != 1 {
		t.Fatalf("Users() = %v, %v", users, err)
	}
}

func TestSetTierIsSeenByUser(t *testing.T) {
	s, _, _ := testStore(t)
	u := mustUser(t, s, "angel")
	if _, err := s.User(u.ID); err != nil { // warm the in-memory copy
		t.Fatal(err)
	}
	if _, err := s.SetTier(u.ID, "pro"); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(u.ID)
	if err != nil || got.Tier != "pro" {
		t.Fatalf("User() = %+v, %v; want tier pro", got, err)
	}
	if _, err := s.SetTier(99, "pro"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("SetTier(unknown): err = %v", err)
	}
}

func TestCreateKeyAndAuthenticate(t *testing.T) {
	s, _, _ := testStore(t)
	u := mustUser(t, s, "angel")
	secret, key, err := s.CreateKey(u.ID, "ci", ScopeRead|ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	if !WellFormed(secret) || key.Prefix != secret[:displayPrefixLen] || key.UserID != u.ID {
		t.Fatalf("secret %q, key %+v", secret, key)
	}
	for i := 0; i < 2; i++ { // cold, then warm
		id, err := s.Authenticate(secret)
		if err != nil {
			t.Fatal(err)
		}
		if id.KeyID != key.ID || id.UserID != u.ID || id.Scopes != ScopeRead|ScopeWrite {
			t.Fatalf("identity = %+v", id)
		}
	}
	other := KeyPrefix + "0123456789abcdefghijABCDEFGHIJkl"
	if _, err := s.Authenticate(other); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("unknown key: err = %v", err)
	}
	if _, _, err := s.CreateKey(99, "", ScopeRead); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("key for unknown user: err = %v", err)
	}
	if _, _, err := s.CreateKey(u.ID, "", 0); !errors.Is(err, ErrInvalidScope) {
		t.Fatalf("key without scopes: err = %v", err)
	}
}

func TestMalformedKeysAreRefusedBeforeLookup(t *testing.T) {
	s, _, _ := testStore(t)
	for _, k := range []string{
		"", "kn_live_", "kn_live_short", "kn_test_0123456789abcdefghijABCDEFGHIJkl",
		KeyPrefix + "0123456789abcdefghijABCDEFGHIJk!", KeyPrefix + "0123456789abcdefghijABCDEFGHIJklm",
		KeyPrefix + "0123456789abcdefghijABCDEFGHIJk\x00",
	} {
		if _, err := s.Authenticate(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Authenticate(%q): err = %v", k, err)
		}
	}
}

func TestRevokeWinsOverAWarmCache(t *testing.T) {
	s, _, _ := testStore(t)
	u := mustUser(t, s, "angel")
	secret, key, err := s.CreateKey(u.ID, "", ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatal(err)
	}
	revoked, err := s.RevokeKey(key.ID)
	if err != nil || revoked.RevokedAt == nil {
		t.Fatalf("RevokeKey = %+v, %v", revoked, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Authenticate(secret); !errors.Is(err, ErrRevokedKey) {
			t.Fatalf("after revoke, call %d: err = %v", i, err)
		}
	}
	again, err := s.RevokeKey(key.ID)
	if err != nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
		t.Fatalf("second revoke = %+v, %v", again, err)
	}
	if _, err := s.RevokeKey(99); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("revoke unknown: err = %v", err)
	}
}

// A revocation racing with cold lookups must never leave a live entry behind.
func TestRevokeRacingColdLookups(t *testing.T) {
	s, _, _ := testStore(t)
	u := mustUser(t, s, "angel")
	for round := 0; round < 50; round++ {
		secret, key, err := s.CreateKey(u.ID, "", ScopeRead)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 20; i++ {
				s.Authenticate(secret)
			}
		}()
		if _, err := s.RevokeKey(key.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(secret); !errors.Is(err, ErrRevokedKey) {
			t.Fatalf("round %d: just after revoke: err = %v", round, err)
		}
		<-done
		if _, err := s.Authenticate(secret); !errors.Is(err, ErrRevokedKey) {
			t.Fatalf("round %d: after racing lookups: err = %v", round, err)
		}
	}
}

func TestLastUsedIsWrittenInBatches(t *testing.T) {
	s, clock, _ := testStore(t)
	u := mustUser(t, s, "angel")
	secret, key, err := s.CreateKey(u.ID, "", ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys(u.ID)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt != nil {
		t.Fatalf("fresh key: %+v, %v", keys, err)
	}
	clock.Add(60)
	for i := 0; i < 100; i++ {
		if _, err := s.Authenticate(secret); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.lastUsed.dirty); n != 1 {
		t.Fatalf("100 uses queued %d flush entries, want 1", n)
	}
	keys, err = s.Keys(0)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || keys[0].LastUsedAt.Unix() != clock.Load() {
		t.Fatalf("after use: %+v, %v", keys, err)
	}
	if keys[0].ID != key.ID || keys[0].Scopes != ScopeRead {
		t.Fatalf("listed key = %+v", keys[0])
	}
}

func TestSecretNeverReachesTheDatabaseFile(t *testing.T) {
	s, _, path := testStore(t)
	u := mustUser(t, s, "angel")
	secret, _, err := s.CreateKey(u.ID, "ci", ScopeRead|ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushLastUsed(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte(secret[displayPrefixLen:])) {
		t.Fatal("the key's secret is in the database file")
	}
	hash := HashKey(secret)
	if !bytes.Contains(data, hash[:]) {
		t.Fatal("the key's hash is not in the database file: the scan looked at the wrong file")
	}
}

func TestNewSecretsAreDistinctAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k, err := newSecret()
		if err != nil || !WellFormed(k) || seen[k] {
			t.Fatalf("newSecret() = %q, %v (seen before: %v)", k, err, seen[k])
		}
		seen[k] = true
	}
}
