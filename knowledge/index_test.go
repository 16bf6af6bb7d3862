package knowledge

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// dump returns every key and value of the store's buckets.
func dump(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = string(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkIndex checks that the index agrees with itself: every posting
// names a stored passage of a stored document with the length it records,
// and each account's statistics add up its passages.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		counted := map[uint64]stats{}
		err := tx.Bucket(bucketPassages).ForEach(func(k, v []byte) error {
			_, length, err := decodePassage(v)
			account := binary.BigEndian.Uint64(k)
			counted[account] = counted[account].add(stats{1, uint64(length)})
			if tx.Bucket(bucketDocs).Get(k[:16]) == nil || tx.Bucket(bucketDocTerms).Get(k[:16]) == nil {
				return fmt.Errorf("passage %x has no document", k)
			}
			return err
		})
		if err != nil {
			return err
		}
		for account, want := range counted {
			if got, err := readStats(tx, account); err != nil || got != want {
				return fmt.Errorf("account %d: statistics %+v, passages add up to %+v (%v)", account, got, want, err)
			}
		}
		return tx.Bucket(bucketPostings).ForEach(func(k, v []byte) error {
			ref := postingRef(k)
			_, length, err := decodePosting(v)
			_, want, _ := decodePassage(tx.Bucket(bucketPassages).Get(passageKey(binary.BigEndian.Uint64(k), ref.doc, ref.passage)))
			if err != nil || length != want {
				return fmt.Errorf("posting %q records length %d, its passage %d (%v)", k, length, want, err)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func storeAt(t testing.TB, path string) *Store {
	t.Helper()
	db := openDB(t, path)
	t.Cleanup(func() { db.Close() })
	fixed := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(db, func() time.Time { return fixed })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomText writes paragraphs of words from a small vocabulary, so
// documents share terms and postings interleave.
func randomText(rng *rand.Rand) string {
	words := strings.Fields("price prices shipping refund policy gift card hours open closed parking staff menu soup tea coffee 49.99 café 東京 the and of warranty repair delivery")
	var b strings.Builder
	for range 1 + rng.IntN(120) {
		b.WriteString(words[rng.IntN(len(words))])
		switch rng.IntN(12) {
		case 0:
			b.WriteString(".\n\n")
		case 1:
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
	}
	if rng.IntN(10) == 0 {
		b.WriteString(strings.Repeat("long paragraph ", 200))
	}
	return b.String()
}

// Adding and deleting many documents in any order leaves exactly the index
// that adding only the survivors builds, and nothing of a deleted document.
func TestAddAndDeleteLeaveNoIndexKeysBehind(t *testing.T) {
	dir := t.TempDir()
	churned := storeAt(t, filepath.Join(dir, "churned.db"))
	fresh := storeAt(t, filepath.Join(dir, "fresh.db"))
	rng := rand.New(rand.NewPCG(7, 11))

	// Account 1 churns; account 2's adds and deletes are replayed on a
	// fresh store, which must end up byte for byte the same.
	live := map[uint64][]uint64{}
	for step := range 400 {
		account := uint64(1 + rng.IntN(2))
		if ids := live[account]; len(ids) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(ids))
			if err := churned.Delete(account, ids[i]); err != nil {
				t.Fatal(err)
			}
			if account == 2 {
				if err := fresh.Delete(account, ids[i]); err != nil {
					t.Fatal(err)
				}
			}
			live[account] = append(ids[:i], ids[i+1:]...)
		} else {
			d := Doc{Title: fmt.Sprintf("doc %d tea", step), Text: randomText(rng)}
			added := add(t, churned, account, d.Title, d.Text)
			if account == 2 {
				if again := add(t, fresh, account, d.Title, d.Text); again.ID != added.ID {
					t.Fatalf("ids diverged: %d and %d", again.ID, added.ID)
				}
			}
			live[account] = append(live[account], added.ID)
		}
		if step%50 == 0 {
			checkIndex(t, churned)
		}
	}
	checkIndex(t, churned)
	for _, id := range live[1] {
		if err := churned.Delete(1, id); err != nil {
			t.Fatal(err)
		}
	}
	if hits := search(t, churned, 1, "price tea 東京", 10); len(hits) != 0 {
		t.Fatalf("an emptied account found %+v", hits)
	}

	got, want := dump(t, churned), dump(t, fresh)
	account1 := string(keyrange.Prefix(1))
	for k := range got {
		if strings.Contains(k, "/"+account1) && k != string(bucketNextID)+"/"+account1 {
			t.Errorf("account 1 left %q behind", k)
		}
	}
	delete(got, string(bucketNextID)+"/"+account1)
	if !maps.Equal(got, want) {
		t.Fatalf("account 2's index differs from one built without the churn: %d keys, want %d", len(got), len(want))
	}
	if len(live[2]) > 0 && len(search(t, churned, 2, "price tea", 100)) == 0 {
		t.Fatal("account 2 lost its hits")
	}
}

func TestALargeDocumentIsOneAddAndOneDelete(t *testing.T) {
	s := newStore(t)
	var b strings.Builder
	for i := 0; b.Len() < MaxText-200; i++ {
		fmt.Fprintf(&b, "Item %d costs %d.%02d and ships in %d days.\n", i, i%300, i%100, 1+i%9)
		if i%40 == 39 {
			b.WriteString("\n")
		}
	}
	b.WriteString("The rare word is aardvark.")
	d := add(t, s, 1, "Full price list", b.String())
	hits := search(t, s, 1, "aardvark", 5)
	if len(hits) != 1 || hits[0].DocID != d.ID || !strings.Contains(hits[0].Snippet, "aardvark") {
		t.Fatalf("found %+v", hits)
	}
	if hits := search(t, s, 1, "item 4711", 1); len(hits) != 1 || !strings.Contains(hits[0].Snippet, "Item 4711 costs") {
		t.Fatalf("item 4711: %+v", hits)
	}
	checkIndex(t, s)
	if err := s.Delete(1, d.ID); err != nil {
		t.Fatal(err)
	}
	for k := range dump(t, s) {
		if !strings.HasPrefix(k, string(bucketNextID)+"/") {
			t.Fatalf("left behind: %q", k)
		}
	}
	if bytes.Count([]byte(d.Text), []byte("\n")) < 1000 {
		t.Fatal("the document was not large")
	}
}
