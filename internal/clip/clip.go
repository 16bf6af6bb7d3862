// Package clip shortens text shown to people: a provider's message in an
// error, a caller's value echoed back.
package clip

import "unicode/utf8"

// Runes returns s cut to at most n characters, with "…" when it was cut;
// it never splits a character.
func Runes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	return s[:cut] + "…"
}
