package fleet

import (
	"errors"
	"testing"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

// accountStore is what the gateway uses of either store of accounts.
type accountStore interface {
	CreateUser(username, email, tier string) (accounts.User, error)
	User(id uint64) (*accounts.User, error)
	UserByName(username string) (*accounts.User, error)
	Users() ([]accounts.User, error)
	SetTier(id uint64, tier string) (accounts.User, error)
	CreateKey(userID uint64, name string, scopes accounts.Scopes) (string, accounts.Key, error)
	Keys(userID uint64) ([]accounts.Key, error)
	RevokeKey(id uint64) (accounts.Key, error)
	Authenticate(key string) (*accounts.Identity, error)
	FlushLastUsed() error
}

func openAccounts(t testing.TB, s *Store) *Accounts {
	t.Helper()
	a, err := s.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func eachAccountStore(t *testing.T, test func(t *testing.T, s accountStore)) {
	t.Run("embedded", func(t *testing.T) {
		s, err := accounts.Open(boltDB(t), accounts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		test(t, s)
	})
	t.Run("redis", func(t *testing.T) { test(t, openAccounts(t, openStore(t, Options{}))) })
}

func TestUsersAreCreatedOnceByName(t *testing.T) {
	eachAccountStore(t, func(t *testing.T, s accountStore) {
		ada, err := s.CreateUser("ada", "ada@example.com", "starter")
		if err != nil || ada.ID == 0 || ada.Tier != "starter" {
			t.Fatalf("%+v %v", ada, err)
		}
		if _, err := s.CreateUser("ada", "other@example.com", "pro"); !errors.Is(err, accounts.ErrUsernameTaken) {
			t.Fatalf("a taken name: %v", err)
		}
		if _, err := s.CreateUser("12", "x@example.com", "pro"); !errors.Is(err, accounts.ErrInvalidInput) {
			t.Fatalf("an all-digit name: %v", err)
		}
		bob, _ := s.CreateUser("bob", "bob@example.com", "starter")
		if got, err := s.UserByName("bob"); err != nil || got.ID != bob.ID || got.Email != "bob@example.com" {
			t.Fatalf("by name: %+v %v", got, err)
		}
		if _, err := s.User(999); !errors.Is(err, accounts.ErrUserNotFound) {
			t.Fatalf("an unknown ID: %v", err)
		}
		if _, err := s.UserByName("carol"); !errors.Is(err, accounts.ErrUserNotFound) {
			t.Fatalf("an unknown name: %v", err)
		}
		moved, err := s.SetTier(ada.ID, "pro")
		if err != nil || moved.Tier != "pro" {
			t.Fatalf("set tier: %+v %v", moved, err)
		}
		if got, _ := s.User(ada.ID); got.Tier != "pro" || !got.CreatedAt.Equal(ada.CreatedAt) {
			t.Fatalf("after the move: %+v", got)
		}
		users, err := s.Users()
		if err != nil || len(users) != 2 || users[0].Username != "ada" || users[1].Username != "bob" {
			t.Fatalf("users: %+v %v", users, err)
		}
	})
}

func TestKeysAuthenticateUntilRevoked(t *testing.T) {
	eachAccountStore(t, func(t *testing.T, s accountStore) {
		u, _ := s.CreateUser("ada", "ada@example.com", "starter")
		if _, _, err := s.CreateKey(u.ID+100, "ghost", accounts.ScopeRead); !errors.Is(err, accounts.ErrUserNotFound) {
			t.Fatalf("a key for no account: %v", err)
		}
		secret, key, err := s.CreateKey(u.ID, "ci", accounts.ScopeRead|accounts.ScopeWrite)
		if err != nil || key.ID == 0 || key.Prefix != secret[:len(key.Prefix)] {
			t.Fatalf("%+v %v", key, err)
		}
		id, err := s.Authenticate(secret)
		if err != nil || id.KeyID != key.ID || id.UserID != u.ID || !id.Scopes.Has(accounts.ScopeWrite) {
			t.Fatalf("authenticate: %+v %v", id, err)
		}
		if _, err := s.Authenticate("kn_live_" + "0123456789abcdefghijABCDEFGHIJxy"); !errors.Is(err, accounts.ErrInvalidKey) {
			t.Fatalf("an unknown key: %v", err)
		}
		if _, err := s.Authenticate("nope"); !errors.Is(err, accounts.ErrInvalidKey) {
			t.Fatalf("a malformed key: %v", err)
		}
		if err := s.FlushLastUsed(); err != nil {
			t.Fatal(err)
		}
		keys, err := s.Keys(u.ID)
		if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || keys[0].RevokedAt != nil {
			t.Fatalf("keys: %+v %v", keys, err)
		}
		revoked, err := s.RevokeKey(key.ID)
		if err != nil || revoked.RevokedAt == nil {
			t.Fatalf("revoke: %+v %v", revoked, err)
		}
		if again, err := s.RevokeKey(key.ID); err != nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
			t.Fatalf("revoked twice: %+v %v", again, err)
		}
		if _, err := s.Authenticate(secret); !errors.Is(err, accounts.ErrRevokedKey) {
			t.Fatalf("a revoked key: %v", err)
		}
		if _, err := s.RevokeKey(key.ID + 100); !errors.Is(err, accounts.ErrKeyNotFound) {
			t.Fatalf("an unknown key ID: %v", err)
		}
		all, _ := s.Keys(0)
		if len(all) != 1 || all[0].Name != "ci" {
			t.Fatalf("all keys: %+v", all)
		}
	})
}

// eventually polls check for up to a second, as long as the issue lets a
// change take to reach every instance.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("not within a second: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAChangeOnOneInstanceReachesTheOthers(t *testing.T) {
	s := openStore(t, Options{})
	a, b, c := openAccounts(t, s), openAccounts(t, s), openAccounts(t, s)
	u, _ := a.CreateUser("ada", "ada@example.com", "starter")
	secret := "kn_live_" + "0123456789abcdefghijABCDEFGHIJxy"
	if _, err := b.Authenticate(secret); !errors.Is(err, accounts.ErrInvalidKey) {
		t.Fatal(err) // b now remembers the hash as unknown
	}
	secret, key, _ := a.CreateKey(u.ID, "ci", accounts.ScopeWrite)
	for _, other := range []*Accounts{b, c} {
		eventually(t, "a new key works", func() bool { _, err := other.Authenticate(secret); return err == nil })
		if got, _ := other.User(u.ID); got.Tier != "starter" {
			t.Fatalf("tier %q", got.Tier)
		}
	}
	a.SetTier(u.ID, "pro")
	a.RevokeKey(key.ID)
	for _, other := range []*Accounts{b, c} {
		eventually(t, "a revocation", func() bool {
			_, err := other.Authenticate(secret)
			return errors.Is(err, accounts.ErrRevokedKey)
		})
		eventually(t, "a new tier", func() bool { got, _ := other.User(u.ID); return got.Tier == "pro" })
	}
}

func TestWithoutRedisKnownKeysStillWork(t *testing.T) {
	clock := newClock()
	s := openStore(t, Options{Timeout: 200 * time.Millisecond, Now: clock.now})
	a := openAccounts(t, s)
	u, _ := a.CreateUser("ada", "ada@example.com", "starter")
	secret, _, _ := a.CreateKey(u.ID, "ci", accounts.ScopeRead)
	if _, err := a.Authenticate(secret); err != nil {
		t.Fatal(err)
	}
	if _, err := a.User(u.ID); err != nil { // a call reads its account
		t.Fatal(err)
	}
	server.Stop()
	defer server.Restart()
	clock.advance(time.Minute) // past the cache's TTL: a refresh is due and fails
	if id, err := a.Authenticate(secret); err != nil || id.UserID != u.ID {
		t.Fatalf("a known key with Redis down: %v", err)
	}
	if got, err := a.User(u.ID); err != nil || got.Username != "ada" {
		t.Fatalf("a known account with Redis down: %v", err)
	}
	if _, err := a.Authenticate("kn_live_" + "0123456789abcdefghijABCDEFGHIJxy"); !errors.Is(err, metering.ErrStoreUnavailable) {
		t.Fatalf("a key this instance never saw, with Redis down: %v", err)
	}
}
