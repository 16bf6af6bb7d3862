package knowledge

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// snippet returns the part of a passage that best shows the query terms,
// with whitespace collapsed, in at most MaxSnippet characters: the
// tightest run of words holding the most distinct query terms, centred,
// cut between words, "…" marking each cut.
func snippet(passage string, terms []string) string {
	text := strings.Join(strings.Fields(passage), " ")
	runes := []rune(text)
	if len(runes) <= MaxSnippet {
		return text
	}
	width := MaxSnippet - 2 // room for a "…" at each end
	from, to := bestCluster(matches(text, terms), width)
	start := max(0, min(from-(width-(to-from))/2, len(runes)-width))
	snap := width / 5 // how far to look for a word boundary
	end := start + width
	if start > 0 && runes[start-1] != ' ' {
		if i := slices.Index(runes[start:start+snap], ' '); i >= 0 {
			start += i + 1
		}
	}
	if end < len(runes) && runes[end] != ' ' {
		if i := lastSpace(runes[end-snap : end]); i >= 0 {
			end += i - snap
		}
	}
	out := strings.TrimSpace(string(runes[start:end]))
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}

// match is where a word of one of the query's terms starts, in characters.
type match struct {
	at, length int
	term       string
}

// matches finds the words of text that are query terms.
func matches(text string, terms []string) []match {
	var out []match
	at, seen := 0, 0
	tokenize(text, func(t token) {
		at += utf8.RuneCountInString(text[seen:t.start])
		seen = t.start
		if _, ok := slices.BinarySearch(terms, t.term); ok {
			out = append(out, match{at: at, length: utf8.RuneCountInString(text[t.start:t.end]), term: t.term})
		}
	})
	return out
}

// bestCluster returns where the tightest run of matches holding the most
// distinct query terms (within reach characters) starts and ends, or
// 0, 0 without matches.
func bestCluster(ms []match, reach int) (from, to int) {
	bestCount := 0
	for i, m := range ms {
		var distinct []string
		end := m.at
		for _, n := range ms[i:] {
			if n.at+n.length > m.at+reach {
				break
			}
			if !slices.Contains(distinct, n.term) {
				distinct = append(distinct, n.term)
				end = n.at + n.length
			}
		}
		if len(distinct) > bestCount || len(distinct) == bestCount && end-m.at < to-from {
			from, to, bestCount = m.at, end, len(distinct)
		}
	}
	return from, to
}

func lastSpace(runes []rune) int {
	for i := len(runes) - 1; i >= 0; i-- {
		if runes[i] == ' ' {
			return i
		}
	}
	return -1
}
