package outbox

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

func add(t *testing.T, s *Store, account uint64, to string) Message {
	t.Helper()
	m, err := s.Add(account, Message{Channel: ChannelSMS, To: to, Body: "hi " + to, Status: StatusSent, ProviderID: "SM1", RunID: 7, Agent: "closer"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func recipients(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.To
	}
	return out
}

func TestIDsCountPerAccountAndListingIsNewestFirst(t *testing.T) {
	s := newStore(t)
	add(t, s, 1, "+14155550101")
	add(t, s, 2, "+14155550201")
	add(t, s, 1, "+14155550102")
	third := add(t, s, 1, "+14155550103")
	if third.ID != 3 || third.CreatedAt.IsZero() {
		t.Fatalf("third message of account 1: %+v", third)
	}
	all, err := s.List(1, 50)
	if err != nil {
		t.Fatal(err)
	}
	if got := recipients(all); len(got) != 3 || got[0] != "+14155550103" || got[2] != "+14155550101" {
		t.Fatalf("account 1 lists %v", got)
	}
	if all[0].ID != 3 || all[2].ID != 1 || !all[0].CreatedAt.After(all[1].CreatedAt) {
		t.Fatalf("ids or times out of order: %+v", all)
	}
	if m := all[0]; m.Channel != ChannelSMS || m.Body != "hi +14155550103" || m.Status != StatusSent || m.ProviderID != "SM1" || m.RunID != 7 || m.Agent != "closer" {
		t.Fatalf("fields not kept: %+v", m)
	}
	if two, _ := s.List(1, 2); len(two) != 2 || two[1].ID != 2 {
		t.Fatalf("limit 2: %v", recipients(two))
	}
	if none, err := s.List(1, 0); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("limit 0: %v %v", none, err)
	}
}

func TestAccountsSeeOnlyTheirOwnMessages(t *testing.T) {
	s := newStore(t)
	add(t, s, 1, "+14155550101")
	add(t, s, 3, "+14155550301")
	theirs := add(t, s, 2, "+14155550201")
	if theirs.ID != 1 {
		t.Fatalf("account 2's first message has id %d", theirs.ID)
	}
	if got, _ := s.List(2, 50); len(got) != 1 || got[0].To != "+14155550201" {
		t.Fatalf("account 2 lists %v", recipients(got))
	}
	if got, _ := s.List(4, 50); len(got) != 0 {
		t.Fatalf("an account with no messages lists %v", recipients(got))
	}
	// The highest account id has no successor key to seek to.
	add(t, s, ^uint64(0), "+14155559999")
	if got, _ := s.List(^uint64(0), 50); len(got) != 1 {
		t.Fatalf("the last account lists %v", recipients(got))
	}
	m, err := s.Get(2, 1)
	if err != nil || m.To != "+14155550201" {
		t.Fatalf("get 2/1: %+v %v", m, err)
	}
	if _, err := s.Get(2, 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("account 2 has no message 2, got %v", err)
	}
	if _, err := s.Get(4, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("account 4 sees message 1: %v", err)
	}
}

func TestAddRefusesUnknownChannelsAndStatusesAndWritesNothing(t *testing.T) {
	s := newStore(t)
	for _, m := range []Message{
		{Channel: "fax", To: "x", Status: StatusSent},
		{Channel: "", To: "x", Status: StatusSent},
		{Channel: ChannelEmail, To: "a@example.com", Status: "delivered"},
		{Channel: ChannelEmail, To: "a@example.com"},
	} {
		if _, err := s.Add(1, m); err == nil {
			t.Fatalf("accepted %+v", m)
		}
	}
	if got, _ := s.List(1, 50); len(got) != 0 {
		t.Fatalf("refused messages were stored: %v", got)
	}
	m, err := s.Add(1, Message{ID: 99, Channel: ChannelBookingLink, To: "a@example.com", Body: "https://cal.example/x", Status: StatusQueuedUnconfigured, CreatedAt: time.Unix(1, 0)})
	if err != nil || m.ID != 1 || m.CreatedAt.Year() != 2026 {
		t.Fatalf("caller's id and time must be replaced: %+v %v", m, err)
	}
}
