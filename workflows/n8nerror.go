package workflows

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/clip"
)

// N8NError is a non-2xx answer from n8n. Message is safe to show to the
// account holder: it never carries the API key, and n8n's own text is
// kept only where it helps (a missing scope, a server error).
type N8NError struct {
	Status  int
	Message string
}

func (e *N8NError) Error() string { return e.Message }

const (
	// maxErrorBody bounds how much of an error answer is read: n8n's
	// message is short, a proxy's error page need not be.
	maxErrorBody = 16 << 10
	// maxMessage is how many characters of n8n's text (a message, a
	// workflow name) are kept.
	maxMessage = 200
)

// n8nError reads a non-2xx answer into an *N8NError.
func n8nError(resp *http.Response, key string) *N8NError {
	said := errorMessage(resp, key)
	status := resp.StatusCode
	var msg string
	switch {
	case status == http.StatusUnauthorized:
		// n8n's text adds nothing, and a proxy in front might echo the key.
		msg = "n8n refused the API key: check the n8n api_key"
	case status == http.StatusForbidden:
		msg = "n8n refused access: the API key may lack the execution:list scope"
	case status == http.StatusNotFound:
		msg = "n8n's public API was not found: check the n8n base_url, and that the public API is enabled"
	case status >= 500:
		msg = fmt.Sprintf("n8n failed with status %d", status)
	default:
		msg = fmt.Sprintf("n8n refused the request with status %d", status)
	}
	if said != "" && status != http.StatusUnauthorized && status != http.StatusNotFound {
		msg += ": " + said
	}
	return &N8NError{Status: status, Message: msg}
}

// errorMessage is the message field of an error answer, cleaned, or "".
func errorMessage(resp *http.Response, key string) string {
	// A failed read leaves the status, which is enough.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// Only the JSON message field: a raw body could be a proxy's HTML page.
	if !gjson.ValidBytes(body) {
		return ""
	}
	return cleanText(gjson.GetBytes(body, "message").String(), key)
}

// cleanText makes n8n's text safe to show: the key removed before
// anything else (so cutting cannot leave half of it), whitespace
// collapsed, at most maxMessage characters.
func cleanText(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	return clip.Runes(strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " "), maxMessage)
}

// Interface guard.
var _ error = (*N8NError)(nil)
