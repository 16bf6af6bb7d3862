package leads

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "kaine.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(db, func() time.Time { clock = clock.Add(time.Second); return clock })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func names(leads []Lead) []string {
	out := make([]string, len(leads))
	for i, l := range leads {
		out[i] = l.Name
	}
	return out
}

func TestLeadsAreListedNewestFirstPerAccountAndStatus(t *testing.T) {
	s := newStore(t)
	for _, c := range []struct {
		user uint64
		name string
	}{{1, "ana"}, {2, "bo"}, {1, "cy"}, {1, "di"}} {
		if _, err := s.Create(c.user, Lead{Name: c.name}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.List(1, "", 50)
	if err != nil || len(all) != 3 || all[0].Name != "di" || all[2].Name != "ana" || all[0].Status != New {
		t.Fatalf("account 1: %v %v", names(all), err)
	}
	if !all[0].CreatedAt.After(all[1].CreatedAt) || !all[0].UpdatedAt.Equal(all[0].CreatedAt) {
		t.Fatalf("timestamps %+v", all[:2])
	}
	if two, _ := s.List(1, "", 2); len(two) != 2 || two[1].Name != "cy" {
		t.Fatalf("limit 2: %v", names(two))
	}
	if all[0].ID != 3 || all[2].ID != 1 {
		t.Fatalf("ids count per account: %d…%d", all[2].ID, all[0].ID)
	}
	if other, _ := s.List(2, "", 50); len(other) != 1 || other[0].Name != "bo" || other[0].ID != 1 {
		t.Fatalf("account 2: %v", names(other))
	}
	if none, _ := s.List(3, "", 50); none == nil || len(none) != 0 {
		t.Fatalf("an account without leads: %#v", none)
	}

	booked := Booked
	notes := "call back Tuesday"
	moved, err := s.Update(1, all[1].ID, Patch{Status: &booked, Notes: &notes})
	if err != nil || moved.Status != Booked || moved.Notes != notes || !moved.UpdatedAt.After(moved.CreatedAt) || moved.Name != "cy" {
		t.Fatalf("update: %+v %v", moved, err)
	}
	if got, _ := s.List(1, Booked, 50); len(got) != 1 || got[0].Name != "cy" || got[0].Notes != notes {
		t.Fatalf("booked: %+v", got)
	}
	if got, _ := s.List(1, New, 50); len(got) != 2 || got[0].Name != "di" || got[1].Name != "ana" {
		t.Fatalf("new after the move: %v", names(got))
	}
	if got, _ := s.List(1, Complete, 50); len(got) != 0 {
		t.Fatalf("complete: %v", names(got))
	}
}

func TestAnotherAccountsLeadIsNotFound(t *testing.T) {
	s := newStore(t)
	l, err := s.Create(1, Lead{Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	notes := "mine now"
	if _, err := s.Update(2, l.ID, Patch{Notes: &notes}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("updating another account's lead: %v", err)
	}
	if _, err := s.Update(1, l.ID+100, Patch{Notes: &notes}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("updating a lead that does not exist: %v", err)
	}
	bad := Status("won")
	if _, err := s.Update(1, l.ID, Patch{Status: &bad}); err == nil {
		t.Fatal("an unknown status was stored")
	}
	if _, err := s.Create(1, Lead{Name: "x", Status: "won"}); err == nil {
		t.Fatal("a lead with an unknown status was created")
	}
}
