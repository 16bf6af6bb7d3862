package mailaddr

import "testing"

func TestPlain(t *testing.T) {
	for s, want := range map[string]bool{
		"ana@example.com":           true,
		"Ana <ana@example.com>":     false,
		"<ana@example.com>":         false,
		"ana@example.com\r\nBcc: x": false,
		"not an address":            false,
		"":                          false,
	} {
		if got := Plain(s); got != want {
			t.Errorf("Plain(%q) = %v, want %v", s, got, want)
		}
	}
}
