package fleet

import (
	"errors"
	"testing"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

func TestASingleInstanceMovesIntoTheFleetOnce(t *testing.T) {
	db := boltDB(t)
	single, err := accounts.Open(db, accounts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()
	ada, _ := single.CreateUser("ada", "ada@example.com", "pro")
	bob, _ := single.CreateUser("bob", "bob@example.com", "starter")
	secret, _, _ := single.CreateKey(bob.ID, "ci", accounts.ScopeWrite)
	revoked, old, _ := single.CreateKey(ada.ID, "old", accounts.ScopeRead)
	single.RevokeKey(old.ID)
	if _, err := single.Authenticate(secret); err != nil {
		t.Fatal(err)
	}
	ledger, _ := metering.OpenLedger(db, nil)
	r, _ := ledger.Reserve(bob.ID, 100*dollar, 0)
	ledger.Settle(r, 3*dollar)

	users, keys, err := single.Export()
	if err != nil || len(users) != 2 || len(keys) != 2 {
		t.Fatalf("export: %d users, %d keys, %v", len(users), len(keys), err)
	}
	window, _ := ledger.Daily(bob.ID)
	s := openStore(t, Options{})
	if err := s.Import(users, keys, map[uint64][]metering.DaySpend{bob.ID: window}); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(users, keys, nil); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("a second import: %v", err)
	}

	fleet := openAccounts(t, s)
	if id, err := fleet.Authenticate(secret); err != nil || id.UserID != bob.ID {
		t.Fatalf("bob's key in the fleet: %+v %v", id, err)
	}
	if _, err := fleet.Authenticate(revoked); !errors.Is(err, accounts.ErrRevokedKey) {
		t.Fatalf("a revoked key stays revoked: %v", err)
	}
	if u, _ := fleet.UserByName("ada"); u == nil || u.ID != ada.ID || u.Tier != "pro" {
		t.Fatalf("ada: %+v", u)
	}
	if used, _ := openLedger(t, s).Used(bob.ID); used != 3*dollar {
		t.Fatalf("bob's usage: %v", used)
	}
	carol, err := fleet.CreateUser("carol", "carol@example.com", "starter")
	if err != nil || carol.ID != bob.ID+1 {
		t.Fatalf("the next user: %+v %v", carol, err)
	}
	listed, _ := fleet.Keys(bob.ID)
	if len(listed) != 1 || listed[0].LastUsedAt == nil || listed[0].LastUsedAt.After(time.Now()) {
		t.Fatalf("bob's keys: %+v", listed)
	}
}

func TestAnImportIntoAFleetInUseIsRefused(t *testing.T) {
	s := openStore(t, Options{})
	openAccounts(t, s).CreateUser("ada", "ada@example.com", "starter")
	if err := s.Import(nil, nil, nil); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("%v", err)
	}
}
