package knowledge

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func dropSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func passageTexts(text string) []string {
	var out []string
	for _, sp := range splitPassages(text) {
		out = append(out, text[sp.start:sp.end])
	}
	return out
}

func TestShortParagraphsJoinAndLongOnesAreCut(t *testing.T) {
	long := strings.Repeat("Our shop opens at nine. ", 100)
	text := "Q: Do you ship abroad?\n\nA: Yes, to the EU.\n\n\n" + long + "\n  \n" + strings.Repeat("x", 300)
	got := passageTexts(text)
	if got[0] != "Q: Do you ship abroad?\n\nA: Yes, to the EU." {
		t.Fatalf("the question and answer were not joined: %q", got[0])
	}
	if len(got) < 4 || got[len(got)-1] != strings.Repeat("x", 300) {
		t.Fatalf("passages %q", got)
	}
	pieces := got[1 : len(got)-1]
	for i, p := range pieces {
		if len(p) > maxPassageBytes || len(p) < maxPassageBytes/2 && i < len(pieces)-1 || !strings.HasSuffix(p, "nine.") {
			t.Fatalf("a piece of the long paragraph is %d bytes and ends %q", len(p), p[max(0, len(p)-10):])
		}
	}
}

func TestAPriceListIsCutAtLineEnds(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		b.WriteString("Item " + strings.Repeat("z", i%7) + " costs 10.00\n")
	}
	for _, p := range passageTexts(b.String()) {
		if !strings.HasPrefix(p, "Item ") || !strings.HasSuffix(p, "10.00") {
			t.Fatalf("a passage splits a line: %q…%q", p[:10], p[len(p)-10:])
		}
	}
}

func TestWordlessRunsAreCutAtCharacterBoundaries(t *testing.T) {
	text := strings.Repeat("é", 3000)
	got := passageTexts(text)
	if strings.Join(got, "") != text {
		t.Fatal("the pieces do not rebuild the text")
	}
	for _, p := range got {
		if !utf8.ValidString(p) || len(p) > maxPassageBytes {
			t.Fatalf("piece of %d bytes, valid %v", len(p), utf8.ValidString(p))
		}
	}
}

// Whatever the text, passages are ordered, bounded, trimmed, and hold all
// of it but whitespace.
func TestPassagesKeepAllButWhitespace(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"word", "price", "Ünïcode", "49.99", " ", " ", " ", "\n", "\n\n", ". ", "! ", "\t", "东京", strings.Repeat("long", 40)}
	for range 300 {
		var b strings.Builder
		for range rng.IntN(800) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		spans := splitPassages(text)
		var joined strings.Builder
		last := 0
		for _, sp := range spans {
			p := text[sp.start:sp.end]
			if sp.start < last || p == "" || len(p) > maxPassageBytes || strings.TrimSpace(p) != p || !utf8.ValidString(p) {
				t.Fatalf("bad passage %+v %q after %d", sp, p, last)
			}
			last = sp.end
			joined.WriteString(p)
		}
		if dropSpace(joined.String()) != dropSpace(text) {
			t.Fatalf("the passages lost text of %q", text)
		}
	}
}
