package agents

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestRunIDsCountPerAccountAndAccountsAreIsolated(t *testing.T) {
	s := newStore(t)
	var made []Run
	for _, account := range []uint64{1, 1, 2, 1} {
		r, err := s.Create(Run{Account: account, Agent: "seo_agent", Goal: "rank"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, r)
	}
	if made[0].ID != 1 || made[1].ID != 2 || made[2].ID != 1 || made[3].ID != 3 || made[0].Status != Running || made[0].CreatedAt.IsZero() {
		t.Fatalf("ids %d %d %d %d, %+v", made[0].ID, made[1].ID, made[2].ID, made[3].ID, made[0])
	}
	if _, err := s.Get(2, 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("account 2 read account 1's run 2: %v", err)
	}
	if r, err := s.Get(2, 1); err != nil || r.Account != 2 {
		t.Fatalf("account 2's own run: %+v %v", r, err)
	}
	// Saving another account's run is refused, not a way to write into it.
	if _, err := s.Save(Run{Account: 2, ID: 3, Status: Completed}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("saving a run that does not exist: %v", err)
	}

	list, err := s.List(1, 10)
	if err != nil || len(list) != 3 || list[0].ID != 3 || list[2].ID != 1 {
		t.Fatalf("account 1's runs %+v %v", list, err)
	}
	if two, _ := s.List(1, 2); len(two) != 2 || two[1].ID != 2 {
		t.Fatalf("limit 2: %+v", two)
	}
	if none, _ := s.List(3, 10); none == nil || len(none) != 0 {
		t.Fatalf("an account without runs: %#v", none)
	}
}

func TestSavingAFinalStatusSetsFinishedAt(t *testing.T) {
	s := newStore(t)
	r, _ := s.Create(Run{Account: 1, Agent: "seo_agent", Goal: "rank"})
	r.Steps = append(r.Steps, Step{Text: "thinking"})
	r, err := s.Save(r)
	if err != nil || r.FinishedAt != nil || !r.UpdatedAt.After(r.CreatedAt) {
		t.Fatalf("%+v %v", r, err)
	}
	r.Status, r.Summary = Completed, "done"
	r, err = s.Save(r)
	if err != nil || r.FinishedAt == nil || !r.FinishedAt.Equal(r.UpdatedAt) {
		t.Fatalf("%+v %v", r, err)
	}
	got, _ := s.Get(1, r.ID)
	if got.Status != Completed || got.Steps[0].Text != "thinking" || got.FinishedAt == nil {
		t.Fatalf("stored %+v", got)
	}
}

func TestReopeningFailsTheRunsACrashLeftRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kaine.db")
	db := openDB(t, path)
	s, err := OpenStore(db, testClock())
	if err != nil {
		t.Fatal(err)
	}
	cut, _ := s.Create(Run{Account: 1, Agent: "seo_agent", Goal: "rank"})
	done, _ := s.Create(Run{Account: 1, Agent: "seo_agent", Goal: "rank"})
	done.Status, done.Summary = Completed, "ranked"
	if _, err := s.Save(done); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	s, err = OpenStore(db, testClock())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(1, cut.ID)
	if got.Status != Failed || got.Error != "interrupted: the gateway stopped during the run" || got.FinishedAt == nil || got.Summary == "" {
		t.Fatalf("the cut run: %+v", got)
	}
	if got, _ := s.Get(1, done.ID); got.Status != Completed || got.Summary != "ranked" {
		t.Fatalf("the finished run: %+v", got)
	}
	if _, err := OpenStore(db, testClock()); err != nil {
		t.Fatalf("opening again with nothing to fix: %v", err)
	}
}
