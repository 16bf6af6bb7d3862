package modellist

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/clip"
)

const (
	// maxErrorBody bounds how much of an error answer is read: the message
	// is at the start, and a proxy's error page can be large.
	maxErrorBody = 64 << 10
	// maxMessage is how many characters of a provider's message are kept.
	maxMessage = 300
	// keyRefusedMessage stands for a 401's own text: providers echo the
	// refused key there, masked or not.
	keyRefusedMessage = "the provider refused the API key"
	// keyMissingMessage is a 401 to a call sent without a key.
	keyMissingMessage = "the provider requires an API key and none is set"
)

// StatusError is a provider's non-2xx answer to a list call.
type StatusError struct {
	// Status is the HTTP status code.
	Status int
	// Message is the provider's own message, with the key removed and cut
	// to 300 characters; for a 401 it is a fixed sentence saying whether
	// the key was refused or missing.
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// statusError reads a non-2xx answer into a *StatusError.
func statusError(resp *http.Response, key string) *StatusError {
	// A failed read still leaves what arrived, enough for a message.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	msg := providerMessage(body)
	switch {
	case resp.StatusCode == http.StatusUnauthorized && key == "":
		msg = keyMissingMessage
	case resp.StatusCode == http.StatusUnauthorized:
		msg = keyRefusedMessage
	case msg == "":
		msg = http.StatusText(resp.StatusCode)
	}
	return &StatusError{Status: resp.StatusCode, Message: cleanMessage(msg, key)}
}

// providerMessage finds the message in an error answer: error.message
// (Anthropic, OpenAI, Gemini), error as a string (Ollama and other
// compatible servers), message (older vLLM), or a short plain-text body
// ("404 page not found"). A proxy's HTML page gives "".
func providerMessage(body []byte) string {
	if gjson.ValidBytes(body) {
		for _, path := range []string{"error.message", "error", "message"} {
			if m := gjson.GetBytes(body, path); m.Type == gjson.String && m.Str != "" {
				return m.Str
			}
		}
		return ""
	}
	text := strings.TrimSpace(string(body))
	if strings.HasPrefix(text, "<") || !utf8.ValidString(text) {
		return ""
	}
	return text
}

// cleanMessage makes a provider's text safe to log: the key removed
// before anything else (so cutting cannot leave half of it), whitespace
// collapsed, at most maxMessage characters.
func cleanMessage(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	return clip.Runes(strings.Join(strings.Fields(s), " "), maxMessage)
}
