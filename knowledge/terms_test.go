package knowledge

import (
	"slices"
	"strings"
	"testing"
)

func terms(s string) []string {
	var out []string
	tokenize(s, func(t token) { out = append(out, t.term) })
	return out
}

func TestTokenizeLowersDropsStopwordsAndFoldsPlurals(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"What are the Prices of your Gift-Cards?", []string{"price", "gift", "card"}},
		{"Policies, classes, boxes, matches, wishes, fees and prices", []string{"policy", "class", "box", "match", "wish", "fee", "price"}},
		{"policy class box match wish fee price", []string{"policy", "class", "box", "match", "wish", "fee", "price"}},
		{"yes status analysis", []string{"yes", "status", "analysi"}},
		{"Don't ship to the US", []string{"ship", "us"}},
		{"Plan: $49.99/month, 1,000 calls. Done.", []string{"plan", "49.99", "month", "1,000", "call", "done"}},
		{"Éclair CAFÉ naïve", []string{"éclair", "café", "naïve"}},
		{"東京の店", []string{"東", "京", "の", "店"}},
		{"the a of", nil},
		{"x " + strings.Repeat("a", maxTermBytes+1) + " y " + strings.Repeat("b", maxTermBytes), []string{"x", "y", strings.Repeat("b", maxTermBytes)}},
	} {
		if got := terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTokensPointAtTheirWords(t *testing.T) {
	text := "  Refund POLICY: refunds\twithin 30 days "
	var got []string
	tokenize(text, func(tk token) { got = append(got, text[tk.start:tk.end]) })
	if want := []string{"Refund", "POLICY", "refunds", "within", "30", "days"}; !slices.Equal(got, want) {
		t.Fatalf("words %q, want %q", got, want)
	}
}

func TestQueryTermsAreDistinctAndSorted(t *testing.T) {
	if got := queryTerms("Refund? refunds, REFUND policy!"); !slices.Equal(got, []string{"policy", "refund"}) {
		t.Fatalf("query terms %q", got)
	}
}
