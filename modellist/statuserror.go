package modellist

import (
	"fmt"
	"io"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/providertext"
)

// keyMissingMessage is a 401 to a call sent without a key.
const keyMissingMessage = "the provider requires an API key and none is set"

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
	body, _ := io.ReadAll(io.LimitReader(resp.Body, providertext.MaxBody))
	msg := providerMessage(body)
	switch {
	case resp.StatusCode == http.StatusUnauthorized && key == "":
		msg = keyMissingMessage
	case resp.StatusCode == http.StatusUnauthorized:
		msg = providertext.KeyRefused
	}
	return &StatusError{Status: resp.StatusCode, Message: providertext.Clean(providertext.Or(msg, resp.StatusCode), key)}
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
	return providertext.Plain(body)
}
