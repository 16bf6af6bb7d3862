package knowledge

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// Whatever a document and a query hold, Add stores or refuses it, Search
// answers or refuses, and a hit is the document itself with a snippet
// that is valid UTF-8 within MaxSnippet; Delete leaves nothing to find.
func FuzzAddSearchDelete(f *testing.F) {
	f.Add("Refunds", "We refund within 30 days.\n\nShipping is free over $49.99.", "refund policy")
	f.Add("価格", "東京の価格は1,000円です。", "価格")
	f.Add("x", "\xff\xfe", "x")
	f.Add("FAQ", "a an the of", "the")
	s := newStore(f)
	f.Fuzz(func(t *testing.T, title, text, query string) {
		doc, err := s.Add(1, Doc{Title: title, Text: text})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Add failed for a reason other than the input: %v", err)
			}
			return
		}
		hits, err := s.Search(1, query, 5)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Search: %v", err)
		}
		for _, h := range hits {
			if h.DocID != doc.ID || !utf8.ValidString(h.Snippet) || utf8.RuneCountInString(h.Snippet) > MaxSnippet {
				t.Fatalf("hit %+v for doc %d", h, doc.ID)
			}
		}
		if err := s.Delete(1, doc.ID); err != nil {
			t.Fatal(err)
		}
		if hits, _ := s.Search(1, query, 5); len(hits) != 0 {
			t.Fatalf("deleted doc still found: %+v", hits)
		}
	})
}
