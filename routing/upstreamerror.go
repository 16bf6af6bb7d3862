package routing

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
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
	// maxRetryAfter bounds a Retry-After, so a silly value cannot overflow.
	maxRetryAfter = 24 * time.Hour
	// keyRefusedMessage replaces the provider's text for a refused key:
	// providers echo the key, masked or not, and a caller's own key must
	// never come back in an error.
	keyRefusedMessage = "the provider refused the API key"
)

// errorBody is what one protocol's error JSON says.
type errorBody struct {
	Type    string
	Message string
	// KeyRefused marks a refused key that the status alone does not show
	// (Gemini answers 400 API_KEY_INVALID).
	KeyRefused bool
	// RetryAfter is a delay given in the body rather than a header.
	RetryAfter time.Duration
}

// errorParser reads one protocol's error JSON.
type errorParser func(body []byte) errorBody

// responseError turns a non-2xx answer into an *UpstreamError.
func responseError(resp *http.Response, key string, parse errorParser) *UpstreamError {
	// A failed read still leaves what arrived, enough for a message.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var parsed errorBody
	if gjson.ValidBytes(body) {
		parsed = parse(body)
	}
	e := &UpstreamError{
		Status:     resp.StatusCode,
		Type:       cleanMessage(parsed.Type, key),
		Auth:       resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || parsed.KeyRefused,
		RetryAfter: retryAfter(resp.Header, time.Now()),
	}
	if e.RetryAfter == 0 && parsed.RetryAfter > 0 {
		e.RetryAfter = min(parsed.RetryAfter, maxRetryAfter)
	}
	switch {
	case e.Auth:
		e.Message = keyRefusedMessage
	case parsed.Message != "":
		e.Message = cleanMessage(parsed.Message, key)
	default:
		e.Message = cleanMessage(plainMessage(resp.StatusCode, body), key)
	}
	return e
}

// streamError is an error event inside a stream that began with 200.
func streamError(typ, msg, key string) *UpstreamError {
	return &UpstreamError{Status: http.StatusOK, Type: cleanMessage(typ, key), Message: cleanMessage(msg, key)}
}

// streamTruncated is a stream that ended before the protocol's end.
func streamTruncated() *UpstreamError {
	return &UpstreamError{Status: http.StatusOK, Type: "stream_truncated", Message: "the stream ended before the answer was complete"}
}

// plainMessage is the message of an answer that is not the protocol's
// error JSON: a short text body as is (a local server's "404 page not
// found"), else the status text rather than a proxy's HTML page.
func plainMessage(status int, body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" || gjson.Valid(text) || strings.HasPrefix(text, "<") || !utf8.ValidString(text) {
		return http.StatusText(status)
	}
	return text
}

// cleanMessage makes a provider's text safe to show: the key removed
// before anything else (so trimming cannot leave half of it), whitespace
// collapsed, at most maxMessage characters.
func cleanMessage(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	return clip.Runes(strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " "), maxMessage)
}

// retryAfter reads the provider's wait hint: retry-after-ms (OpenAI), else
// Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 {
		if ms >= float64(maxRetryAfter/time.Millisecond) {
			return maxRetryAfter
		}
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return min(at.Sub(now), maxRetryAfter)
	}
	return 0
}
