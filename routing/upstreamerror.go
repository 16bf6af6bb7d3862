package routing

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/providertext"
)

// maxRetryAfter bounds a Retry-After, so a silly value cannot overflow.
const maxRetryAfter = 24 * time.Hour

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
	body, _ := io.ReadAll(io.LimitReader(resp.Body, providertext.MaxBody))
	var parsed errorBody
	if gjson.ValidBytes(body) {
		parsed = parse(body)
	}
	e := &UpstreamError{
		Status:     resp.StatusCode,
		Type:       providertext.Clean(parsed.Type, key),
		Auth:       resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || parsed.KeyRefused,
		RetryAfter: retryAfter(resp.Header, time.Now()),
	}
	if e.RetryAfter == 0 && parsed.RetryAfter > 0 {
		e.RetryAfter = min(parsed.RetryAfter, maxRetryAfter)
	}
	switch {
	case e.Auth:
		e.Message = providertext.KeyRefused
	case parsed.Message != "":
		e.Message = providertext.Clean(parsed.Message, key)
	default:
		e.Message = providertext.Clean(providertext.Or(providertext.Plain(body), resp.StatusCode), key)
	}
	return e
}

// streamError is an error event inside a stream that began with 200.
func streamError(typ, msg, key string) *UpstreamError {
	return &UpstreamError{Status: http.StatusOK, Type: providertext.Clean(typ, key), Message: providertext.Clean(msg, key)}
}

// streamTruncated is a stream that ended before the protocol's end.
func streamTruncated() *UpstreamError {
	return &UpstreamError{Status: http.StatusOK, Type: "stream_truncated", Message: "the stream ended before the answer was complete"}
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
