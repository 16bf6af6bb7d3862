package knowledge

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openDB(t testing.TB, path string) *bolt.DB {
	t.Helper()
	// No fsync: a test never crashes mid-write, and the churn test adds
	// hundreds of documents.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newStore opens a store on a fresh database whose clock ticks a second a
// call.
func newStore(t testing.TB) *Store {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "kaine.db"))
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(db, func() time.Time { clock = clock.Add(time.Second); return clock })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func add(t *testing.T, s *Store, account uint64, title, text string) Doc {
	t.Helper()
	d, err := s.Add(account, Doc{Title: title, Text: text})
	if err != nil {
		t.Fatalf("adding %q: %v", title, err)
	}
	return d
}

func TestDocumentsAreKeptPerAccountAndListedNewestFirst(t *testing.T) {
	s := newStore(t)
	first, err := s.Add(1, Doc{ID: 99, Title: "  Opening hours ", Text: "Mon–Fri 9–17.\n", Source: " faq.pdf ", CreatedAt: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != 1 || first.Title != "Opening hours" || first.Source != "faq.pdf" || first.Text != "Mon–Fri 9–17.\n" || first.CreatedAt.Year() != 2026 {
		t.Fatalf("added %+v", first)
	}
	add(t, s, 2, "Other account", "Not yours.")
	second := add(t, s, 1, "Prices", "Tea 3.50")

	got, err := s.Get(1, first.ID)
	if err != nil || got.Title != first.Title || got.Text != first.Text || got.Source != first.Source || !got.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := s.List(1, 10)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	if list[0].Text != "" || list[0].Title != "Prices" || !list[0].CreatedAt.Equal(second.CreatedAt) {
		t.Fatalf("a listed document: %+v", list[0])
	}
	if one, _ := s.List(1, 1); len(one) != 1 || one[0].ID != second.ID {
		t.Fatalf("limit 1: %+v", one)
	}
	if other, _ := s.List(2, 10); len(other) != 1 || other[0].ID != 1 || other[0].Title != "Other account" {
		t.Fatalf("account 2: %+v", other)
	}
	if none, err := s.List(3, 10); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("an account without documents: %#v %v", none, err)
	}
	if _, err := s.List(1, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("limit 0: %v", err)
	}
}

func TestAnotherAccountsDocumentIsNotFound(t *testing.T) {
	s := newStore(t)
	d := add(t, s, 1, "Secret", "Account one's margins.")
	if _, err := s.Get(2, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reading another account's document: %v", err)
	}
	if err := s.Delete(2, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting another account's document: %v", err)
	}
	if _, err := s.Get(1, d.ID); err != nil {
		t.Fatalf("the owner lost it: %v", err)
	}
	if _, err := s.Get(1, d.ID+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a document that does not exist: %v", err)
	}
}

func TestDeletedDocumentsAreGoneAndTheirIdsNotReused(t *testing.T) {
	s := newStore(t)
	d := add(t, s, 1, "Old menu", "Soup.")
	if err := s.Delete(1, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(1, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := s.Delete(1, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if list, _ := s.List(1, 10); len(list) != 0 {
		t.Fatalf("list after delete: %+v", list)
	}
	if again := add(t, s, 1, "New menu", "Salad."); again.ID != d.ID+1 {
		t.Fatalf("the next document got id %d", again.ID)
	}
}

func TestBadDocumentsAreRefusedNamingTheField(t *testing.T) {
	s := newStore(t)
	for _, c := range []struct {
		name string
		doc  Doc
		want string
	}{
		{"no title", Doc{Title: "  ", Text: "x"}, "title is required"},
		{"no text", Doc{Title: "t", Text: " \n\t"}, "text is required"},
		{"long title", Doc{Title: strings.Repeat("é", MaxTitle+1), Text: "x"}, "title is 201 characters"},
		{"two-line title", Doc{Title: "a\nb", Text: "x"}, "title must be one line"},
		{"bad title", Doc{Title: "\xff", Text: "x"}, "title is not valid UTF-8"},
		{"bad text", Doc{Title: "t", Text: "ok \xc3\x28"}, "text is not valid UTF-8"},
		{"long text", Doc{Title: "t", Text: strings.Repeat("a", MaxText+1)}, "text is 1048577 bytes"},
		{"long source", Doc{Title: "t", Text: "x", Source: strings.Repeat("s", MaxSource+1)}, "source is 501 characters"},
	} {
		_, err := s.Add(1, c.doc)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if list, _ := s.List(1, 10); len(list) != 0 {
		t.Fatalf("a refused document was stored: %+v", list)
	}
	if d, err := s.Add(1, Doc{Title: strings.Repeat("é", MaxTitle), Text: "x"}); err != nil || d.ID != 1 {
		t.Fatalf("a title of exactly %d characters: %v (id %d: refusals must not use ids)", MaxTitle, err, d.ID)
	}
}

func TestAReopenedStoreKeepsDocumentsAndIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kaine.db")
	db := openDB(t, path)
	s, err := Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := add(t, s, 7, "Parking", "Free parking behind the shop after 6 pm.")
	add(t, s, 7, "Hours", "We open at nine.")
	before, err := s.Search(7, "where is parking?", 5)
	if err != nil || len(before) != 1 {
		t.Fatalf("before closing: %+v %v", before, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, path)
	defer db.Close()
	if s, err = Open(db, nil); err != nil {
		t.Fatal(err)
	}
	after, err := s.Search(7, "where is parking?", 5)
	if err != nil || len(after) != 1 || after[0] != before[0] || after[0].DocID != d.ID {
		t.Fatalf("after reopening: %+v %v, before %+v", after, err, before)
	}
	if got, err := s.Get(7, d.ID); err != nil || got.Text != d.Text {
		t.Fatalf("get after reopening: %+v %v", got, err)
	}
	if next := add(t, s, 7, "Menu", "Soup."); next.ID != 3 {
		t.Fatalf("ids after reopening: %d", next.ID)
	}
}
