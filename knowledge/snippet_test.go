package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAShortPassageIsItsOwnSnippet(t *testing.T) {
	if got := snippet("Tea\t3.50\n\nCoffee   2.80", []string{"tea"}); got != "Tea 3.50 Coffee 2.80" {
		t.Fatalf("snippet %q", got)
	}
}

func TestALongPassageIsClippedAroundItsMatches(t *testing.T) {
	filler := strings.Repeat("ünïcode filler words here ", 30)
	for _, c := range []struct {
		name, passage     string
		terms             []string
		want              string
		leading, trailing bool
	}{
		{"no match shows the start", filler, []string{"zebra"}, "ünïcode filler", false, true},
		{"a match at the end", filler + "the zebra", []string{"zebra"}, "the zebra", true, false},
		{"a match in the middle", filler + "a striped zebra " + filler, []string{"zebra"}, "a striped zebra ünïcode", true, true},
		{"the closest cluster of terms", "zebra " + filler + "zebra crossing " + filler, []string{"crossing", "zebra"}, "zebra crossing", true, true},
	} {
		got := snippet(c.passage, c.terms)
		n := utf8.RuneCountInString(got)
		if n > MaxSnippet || n < MaxSnippet*2/3 || !strings.Contains(got, c.want) ||
			strings.HasPrefix(got, "…") != c.leading || strings.HasSuffix(got, "…") != c.trailing {
			t.Errorf("%s: %d characters %q", c.name, n, got)
		}
		if inner := strings.Trim(got, "…"); !strings.Contains(c.passage, inner) || strings.TrimSpace(inner) != inner {
			t.Errorf("%s: not whole words of the passage: %q", c.name, got)
		}
	}
}
