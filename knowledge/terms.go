package knowledge

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms are what the index stores and a query looks up. Documents and
// queries go through the same tokenize, so they agree by construction.

// maxTermBytes drops longer words (hashes, base64, URLs run together):
// nobody searches for them, and they would bloat the index keys.
const maxTermBytes = 64

// token is one term and where its word lies in the text, in bytes.
type token struct {
	term       string
	start, end int
}

// tokenize calls fn with each term of s, in order. A word is a run of
// letters, digits and combining marks, with "." or "," kept between digits
// (so 49.99 and 1,000 stay whole); Chinese and Japanese characters are
// words of their own, since those scripts do not space their words.
func tokenize(s string, fn func(token)) {
	start := -1
	flush := func(end int) {
		if start >= 0 {
			if term, ok := normalize(s[start:end]); ok {
				fn(token{term: term, start: start, end: end})
			}
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case isIdeograph(r):
			flush(i)
			end := i + utf8.RuneLen(r)
			fn(token{term: s[i:end], start: i, end: end})
		case isWordRune(r), start >= 0 && joinsDigits(s, i, r):
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
}

// queryTerms returns the distinct terms of a query, sorted.
func queryTerms(query string) []string {
	var terms []string
	tokenize(query, func(t token) { terms = append(terms, t.term) })
	slices.Sort(terms)
	return slices.Compact(terms)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isIdeograph(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// joinsDigits reports whether the "." or "," at s[i] sits between digits.
func joinsDigits(s string, i int, r rune) bool {
	if r != '.' && r != ',' {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+1:])
	return unicode.IsDigit(before) && unicode.IsDigit(after)
}

// normalize lower-cases a word and folds its plural; ok is false for
// stopwords and over-long words.
func normalize(word string) (term string, ok bool) {
	w := strings.ToLower(word)
	if len(w) > maxTermBytes || stopwords[w] {
		return "", false
	}
	return foldPlural(w), true
}

// foldPlural maps most English plurals to their singular ("policies" →
// "policy", "prices" → "price", "boxes" → "box") and leaves other words
// alone, so it rarely merges words that mean different things: Harman's
// S-stemmer, taught the -sses, -xes, -ches and -shes plurals. Words of
// three letters or fewer are left as they are ("yes", "bus").
func foldPlural(w string) string {
	if len(w) <= 3 {
		return w
	}
	for _, suffix := range []string{"sses", "xes", "ches", "shes"} {
		if strings.HasSuffix(w, suffix) {
			return w[:len(w)-2]
		}
	}
	switch {
	case strings.HasSuffix(w, "ies") && !strings.HasSuffix(w, "eies") && !strings.HasSuffix(w, "aies"):
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "es") && !strings.HasSuffix(w, "aes") && !strings.HasSuffix(w, "ees") && !strings.HasSuffix(w, "oes"):
		return w[:len(w)-1]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// stopwords are English words too common to tell passages apart,
// including the question words an agent's query usually starts with and
// the pieces contractions split into ("don't" → "don", "t"). "us" is not
// one: customers ask about shipping to the US.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		a about an and any are as at be been but by can could did do does
		for from had has have he her his how i if in into is it its me my
		of on or our she so than that the their them then there these they
		this those to too was we were what when where which who whom why
		will with would you your
		d ll m re s t ve don doesn didn isn aren`) {
		m[w] = true
	}
	return m
}()
