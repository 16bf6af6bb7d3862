package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Passages are what Search ranks: about a paragraph, so a hit points at
// the part of a long document that answers, and a long document is not
// favoured just for containing more words.
const (
	// minPassageBytes joins short paragraphs (an FAQ's question and its
	// answer, a heading and its text) with the ones after them.
	minPassageBytes = 200
	// maxPassageBytes cuts long paragraphs (a price list with no blank
	// lines) into pieces.
	maxPassageBytes = 1000
)

// span is a part of a text, in bytes.
type span struct{ start, end int }

// splitPassages cuts text into passages: its paragraphs (runs of non-blank
// lines), long ones cut at the best boundary, short ones joined to the
// next while the two fit in maxPassageBytes. The spans are in order, never
// empty, start and end with no whitespace, and hold every word of text.
func splitPassages(text string) []span {
	var out []span
	for _, p := range paragraphs(text) {
		for _, piece := range cutLong(text, p) {
			if n := len(out); n > 0 && out[n-1].end-out[n-1].start < minPassageBytes && piece.end-out[n-1].start <= maxPassageBytes {
				out[n-1].end = piece.end
				continue
			}
			out = append(out, piece)
		}
	}
	return out
}

// paragraphs returns the runs of non-blank lines of text, trimmed.
func paragraphs(text string) []span {
	var out []span
	open := false
	for start := 0; start < len(text); {
		end := len(text)
		if i := strings.IndexByte(text[start:], '\n'); i >= 0 {
			end = start + i
		}
		line := trimSpace(text, span{start, end})
		switch {
		case line.start == line.end:
			open = false
		case open:
			out[len(out)-1].end = line.end
		default:
			out = append(out, line)
			open = true
		}
		start = end + 1
	}
	return out
}

// cutLong cuts p into pieces of at most maxPassageBytes, each cut at the
// best boundary found in the back half of the allowed length.
func cutLong(text string, p span) []span {
	var out []span
	for p.end-p.start > maxPassageBytes {
		end := p.start + maxPassageBytes
		for !utf8.RuneStart(text[end]) {
			end--
		}
		cut := p.start + bestCut(text[p.start:end])
		out = append(out, trimSpace(text, span{p.start, cut}))
		p = trimSpace(text, span{cut, p.end})
	}
	return append(out, p)
}

// bestCut returns where to end a passage that may be at most s: after a
// line, else after a sentence, else at a space, else after any character
// that is not part of a word, else at the end of s. Only the back half is
// searched, so no piece is tiny.
func bestCut(s string) int {
	half := len(s) / 2
	back := s[half:]
	if i := strings.LastIndexByte(back, '\n'); i >= 0 {
		return half + i + 1
	}
	sentence := -1
	for _, end := range []string{". ", "! ", "? "} {
		sentence = max(sentence, strings.LastIndex(back, end))
	}
	if sentence >= 0 {
		return half + sentence + 1
	}
	if i := strings.LastIndexFunc(back, unicode.IsSpace); i >= 0 {
		return half + i
	}
	if i := strings.LastIndexFunc(back, func(r rune) bool { return !isWordRune(r) }); i >= 0 {
		_, size := utf8.DecodeRuneInString(back[i:])
		return half + i + size
	}
	return len(s)
}

// trimSpace narrows sp to leave out whitespace at either end.
func trimSpace(text string, sp span) span {
	s := text[sp.start:sp.end]
	left := strings.TrimLeftFunc(s, unicode.IsSpace)
	sp.start += len(s) - len(left)
	sp.end = sp.start + len(strings.TrimRightFunc(left, unicode.IsSpace))
	return sp
}
