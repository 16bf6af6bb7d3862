// Package providertext makes a provider's error text safe to show and log:
// the key it may echo removed, its whitespace collapsed, its length
// bounded, and an answer that is no message (a proxy's HTML page) told
// apart from one that is.
package providertext

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/clip"
)

const (
	// MaxBody bounds how much of an error answer is read: the message is
	// at the start, and a proxy's error page can be large.
	MaxBody = 64 << 10
	// MaxMessage is how many characters of a provider's message are kept.
	MaxMessage = 300
	// KeyRefused stands for the provider's own text when it refused a key:
	// providers echo the key, masked or not, and a caller's own key must
	// never come back in an error.
	KeyRefused = "the provider refused the API key"
)

// Clean makes a provider's text safe to show: the key removed before
// anything else (so cutting cannot leave half of it), invalid UTF-8
// replaced, whitespace collapsed, at most MaxMessage characters.
func Clean(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	return clip.Runes(strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " "), MaxMessage)
}

// Plain is the message of an answer that is not JSON: a short text body as
// is (a local server's "404 page not found"), "" for a proxy's HTML page,
// an empty body or one that is not text.
func Plain(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" || gjson.Valid(text) || strings.HasPrefix(text, "<") || !utf8.ValidString(text) {
		return ""
	}
	return text
}

// Or returns the message, else the status's own text.
func Or(message string, status int) string {
	if message == "" {
		return http.StatusText(status)
	}
	return message
}
