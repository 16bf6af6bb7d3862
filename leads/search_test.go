package leads

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestGetReadsOnlyTheAccountsLead(t *testing.T) {
	s := newStore(t)
	l, err := s.Create(1, Lead{Name: "Ana", Email: "ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(1, l.ID)
	if err != nil || got.Name != "Ana" || got.Email != "ana@example.com" || got.Status != New || !got.CreatedAt.Equal(l.CreatedAt) {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.Get(2, l.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another account's lead: %v", err)
	}
	if _, err := s.Get(1, l.ID+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a lead that does not exist: %v", err)
	}
}

func TestSearch(t *testing.T) {
	s := newStore(t)
	seed := []struct {
		user uint64
		lead Lead
	}{
		{1, Lead{Name: "Ana Lima", Email: "ana@lima.dev", Company: "Lima Bakery"}},
		{1, Lead{Name: "Bo", Phone: "+1 555 0100", Notes: "wants a BAKERY quote"}},
		{2, Lead{Name: "Bakery Ben", Company: "Other account's bakery"}},
		{1, Lead{Name: "Cy", Email: "cy@example.com", Company: "Cy Plumbing"}},
		{1, Lead{Name: "Di", Source: "bakery fair"}}, // source is not searched
	}
	for _, c := range seed {
		if _, err := s.Create(c.user, c.lead); err != nil {
			t.Fatal(err)
		}
	}
	booked := Booked
	if _, err := s.Update(1, 1, Patch{Status: &booked}); err != nil { // Ana
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		user  uint64
		q     Query
		limit int
		want  []string
	}{
		{"everything, newest first", 1, Query{}, 50, []string{"Di", "Cy", "Bo", "Ana Lima"}},
		{"case-insensitive over company and notes", 1, Query{Text: "bakery"}, 50, []string{"Bo", "Ana Lima"}},
		{"email", 1, Query{Text: "EXAMPLE.com"}, 50, []string{"Cy"}},
		{"phone", 1, Query{Text: "555 01"}, 50, []string{"Bo"}},
		{"spaces around the text are ignored", 1, Query{Text: "  cy "}, 50, []string{"Cy"}},
		{"status only", 1, Query{Status: Booked}, 50, []string{"Ana Lima"}},
		{"status and text", 1, Query{Text: "bakery", Status: New}, 50, []string{"Bo"}},
		{"status with no match", 1, Query{Status: Complete}, 50, []string{}},
		{"limit keeps the newest", 1, Query{}, 2, []string{"Di", "Cy"}},
		{"limit 0", 1, Query{}, 0, []string{}},
		{"no match", 1, Query{Text: "zebra"}, 50, []string{}},
		{"the other account sees only its own", 2, Query{Text: "bakery"}, 50, []string{"Bakery Ben"}},
		{"an account without leads", 3, Query{}, 50, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Search(tt.user, tt.q, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !slices.Equal(names(got), tt.want) {
				t.Errorf("got %#v, want %v", names(got), tt.want)
			}
		})
	}
	if _, err := s.Search(1, Query{Status: "won"}, 50); err == nil {
		t.Error("an unknown status was searched")
	}
}

// Notes appended at once by two writers (two agent runs) are both kept:
// the append happens inside the update's transaction.
func TestAppendNoteKeepsConcurrentNotes(t *testing.T) {
	s := newStore(t)
	l, err := s.Create(1, Lead{Name: "Ana", Notes: "first"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			note := fmt.Sprintf("note %d", i)
			if _, err := s.Update(1, l.ID, Patch{AppendNote: &note}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(1, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(got.Notes, "\n"); len(lines) != 21 || lines[0] != "first" {
		t.Fatalf("notes %q", got.Notes)
	}
	long := strings.Repeat("x", MaxNotes)
	if _, err := s.Update(1, l.ID, Patch{AppendNote: &long}); !errors.Is(err, ErrNotesTooLong) {
		t.Fatalf("an append past MaxNotes: %v", err)
	}
}
