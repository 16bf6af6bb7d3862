package knowledge

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// faq is a small business's knowledge base, by title.
var faq = map[string]string{
	"Shipping":      "We ship to Canada and the US within 3 to 5 business days. Shipping is free over $50.",
	"Returns":       "Unused items can be returned within 30 days for a full refund. Keep the receipt.",
	"Opening hours": "The shop is open Monday to Saturday, 9 am to 6 pm. Closed on public holidays.",
	"Gift cards":    "Gift cards are sold in the shop and online, and never expire.",
	"Privacy":       "We keep your email address only to send receipts, never to share it.",
}

func addFAQ(t *testing.T, s *Store, account uint64) map[string]uint64 {
	t.Helper()
	ids := map[string]uint64{}
	for _, title := range []string{"Shipping", "Returns", "Opening hours", "Gift cards", "Privacy"} {
		ids[title] = add(t, s, account, title, faq[title]).ID
	}
	return ids
}

func search(t *testing.T, s *Store, account uint64, query string, limit int) []Hit {
	t.Helper()
	hits, err := s.Search(account, query, limit)
	if err != nil {
		t.Fatalf("searching %q: %v", query, err)
	}
	for i, h := range hits {
		if h.Score <= 0 || i > 0 && h.Score > hits[i-1].Score {
			t.Fatalf("searching %q: scores out of order: %+v", query, hits)
		}
	}
	return hits
}

func titles(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Title
	}
	return out
}

func TestTheRelevantDocumentComesFirst(t *testing.T) {
	s := newStore(t)
	ids := addFAQ(t, s, 1)
	for query, want := range map[string]string{
		"How long does shipping to Canada take?": "Shipping",
		"can I get a refund":                     "Returns",
		"are you open on Saturdays":              "Opening hours",
		"do gift cards expire":                   "Gift cards",
		"what do you do with my email":           "Privacy",
	} {
		hits := search(t, s, 1, query, 10)
		if len(hits) == 0 || hits[0].DocID != ids[want] || hits[0].Title != want {
			t.Errorf("%q found %q, want %q first", query, titles(hits), want)
		}
	}
}

func TestRareTermsOutweighCommonOnes(t *testing.T) {
	s := newStore(t)
	for i := range 6 {
		add(t, s, 1, fmt.Sprintf("Product %d", i), fmt.Sprintf("The price of model %d is listed in the price table; ask for the price.", i))
	}
	both := add(t, s, 1, "Care", "Every model comes with a two-year warranty, included in the price.")
	onlyRare := add(t, s, 1, "Repairs", "Repairs under warranty are free of charge.")
	hits := search(t, s, 1, "warranty price", 20)
	if len(hits) != 8 || hits[0].DocID != both.ID || hits[1].DocID != onlyRare.ID {
		t.Fatalf("found %q, want Care, then Repairs, then the products", titles(hits))
	}
}

func TestTitlesCountAndATitleOnlyMatchShowsTheStart(t *testing.T) {
	s := newStore(t)
	body := add(t, s, 1, "Menu", "Our lasagne is vegetarian.")
	titled := add(t, s, 1, "Lasagne", "Baked fresh daily with spinach and ricotta.")
	hits := search(t, s, 1, "lasagne", 5)
	if len(hits) != 2 || hits[0].DocID != titled.ID || hits[1].DocID != body.ID {
		t.Fatalf("found %q, want the titled document first", titles(hits))
	}
	if hits[0].Snippet != "Baked fresh daily with spinach and ricotta." {
		t.Fatalf("title-only snippet %q", hits[0].Snippet)
	}
}

// longDoc is a staff handbook whose fifth paragraph is about parking, and
// whose eighth, a long one, mentions it in the middle.
func longDoc() string {
	var paras []string
	for i := range 10 {
		p := fmt.Sprintf("Section %d covers uniforms, breaks and the rota for week %d. ", i, i) + strings.Repeat("Staff should read this carefully. ", 8)
		switch i {
		case 4:
			p = "Parking for staff is in the yard behind the bakery; " + p
		case 7:
			p = strings.Repeat("Deliveries arrive early in the morning. ", 10) + "Delivery vans need the parking bay clear. " + strings.Repeat("Sign for every crate. ", 10)
		}
		paras = append(paras, p)
	}
	return strings.Join(paras, "\n\n")
}

func TestTheSnippetIsTheMatchingPassage(t *testing.T) {
	s := newStore(t)
	d := add(t, s, 1, "Staff handbook", longDoc())
	add(t, s, 1, "Deliveries", "Suppliers deliver on Tuesdays.")

	hits := search(t, s, 1, "staff parking yard", 5)
	if len(hits) != 1 || hits[0].DocID != d.ID {
		t.Fatalf("one hit per document, got %+v", hits)
	}
	if !strings.HasPrefix(hits[0].Snippet, "Parking for staff is in the yard") || strings.Contains(hits[0].Snippet, "Section 0") {
		t.Fatalf("the snippet is not the parking paragraph: %q", hits[0].Snippet)
	}

	hits = search(t, s, 1, "delivery vans bay", 5)
	if len(hits) != 2 || hits[0].DocID != d.ID {
		t.Fatalf("found %q", titles(hits))
	}
	sn := hits[0].Snippet
	if utf8.RuneCountInString(sn) > MaxSnippet || !strings.HasPrefix(sn, "…") || !strings.HasSuffix(sn, "…") ||
		!strings.Contains(sn, "Delivery vans need the parking bay clear.") {
		t.Fatalf("the snippet is not clipped around the match: %q", sn)
	}
	if inner := strings.Trim(sn, "…"); !strings.Contains(d.Text, inner) || strings.HasPrefix(inner, " ") || strings.HasSuffix(inner, " ") {
		t.Fatalf("the snippet is not whole words of the text: %q", sn)
	}
}

func TestSearchHonoursTheLimit(t *testing.T) {
	s := newStore(t)
	for i := range 5 {
		add(t, s, 1, fmt.Sprintf("Recipe %d", i), strings.Repeat("bread ", i+1)+"flour water salt yeast and patience")
	}
	all := search(t, s, 1, "bread", 10)
	two := search(t, s, 1, "bread", 2)
	if len(all) != 5 || len(two) != 2 || two[0] != all[0] || two[1] != all[1] {
		t.Fatalf("limit 2 gave %+v of %+v", two, all)
	}
	if _, err := s.Search(1, "bread", 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("limit 0: %v", err)
	}
}

func TestAQueryWithoutSearchableWordsFindsNothing(t *testing.T) {
	s := newStore(t)
	addFAQ(t, s, 1)
	for _, q := range []string{"", "   ", "?!", "what is the", "and or"} {
		hits, err := s.Search(1, q, 5)
		if err != nil || hits == nil || len(hits) != 0 {
			t.Errorf("%q: %#v %v", q, hits, err)
		}
	}
	if hits := search(t, s, 1, "zebra", 5); len(hits) != 0 {
		t.Fatalf("an unknown word found %q", titles(hits))
	}
	var many []string
	for i := range MaxQueryTerms + 1 {
		many = append(many, fmt.Sprintf("w%d", i))
	}
	if _, err := s.Search(1, strings.Join(many, " "), 5); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a %d-word query: %v", len(many), err)
	}
}

func TestAccountsNeverSeeEachOthersDocuments(t *testing.T) {
	s := newStore(t)
	addFAQ(t, s, 1)
	if hits := search(t, s, 2, "shipping refund gift cards", 10); len(hits) != 0 {
		t.Fatalf("account 2 found %q", titles(hits))
	}
	mine := add(t, s, 2, "Our shipping", "We ship to the US only, shipping takes a week.")
	hits := search(t, s, 2, "shipping to Canada", 10)
	if len(hits) != 1 || hits[0].DocID != mine.ID || hits[0].Title != "Our shipping" {
		t.Fatalf("account 2 found %+v", hits)
	}
	// Account 1's documents do not even weigh on account 2's scores.
	alone := newStore(t)
	add(t, alone, 2, "Our shipping", "We ship to the US only, shipping takes a week.")
	if want := search(t, alone, 2, "shipping to Canada", 10); hits[0].Score != want[0].Score {
		t.Fatalf("score %v with account 1 beside it, %v alone", hits[0].Score, want[0].Score)
	}
}

func TestDeletedDocumentsAreNotFound(t *testing.T) {
	s := newStore(t)
	ids := addFAQ(t, s, 1)
	if err := s.Delete(1, ids["Shipping"]); err != nil {
		t.Fatal(err)
	}
	for _, h := range search(t, s, 1, "shipping Canada free", 10) {
		if h.DocID == ids["Shipping"] {
			t.Fatalf("the deleted document was found: %+v", h)
		}
	}
	if hits := search(t, s, 1, "refund", 10); len(hits) != 1 || hits[0].DocID != ids["Returns"] {
		t.Fatalf("the others were lost: %+v", hits)
	}
}
