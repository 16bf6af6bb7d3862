package kaine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The error codes the gateway answers (Error.Code), each with one fixed
// status. A body that is not Kaine's error shape gives "http_<status>".
const (
	CodeMissingFields     = "missing_fields"      // 400
	CodeInvalidJSON       = "invalid_json"        // 400
	CodeInvalidField      = "invalid_field"       // 400
	CodeInvalidProvider   = "invalid_provider"    // 400
	CodeMissingAPIKey     = "missing_api_key"     // 401
	CodeInvalidAPIKey     = "invalid_api_key"     // 401
	CodeRevokedAPIKey     = "revoked_api_key"     // 401
	CodeInsufficientScope = "insufficient_scope"  // 403
	CodeNotFound          = "not_found"           // 404
	CodeMethodNotAllowed  = "method_not_allowed"  // 405
	CodeBodyTooLarge      = "body_too_large"      // 413
	CodeUsageCapReached   = "usage_cap_reached"   // 429
	CodeRateLimitExceeded = "rate_limit_exceeded" // 429
	CodeProviderError     = "provider_error"      // 500
	CodeGenerationFailed  = "generation_failed"   // 500
	CodeInternalError     = "internal_error"      // 500
	CodeStoreUnavailable  = "store_unavailable"   // 503

	// CodeExportIncomplete is the SDK's own: an audit export that ended
	// before its summary line (Status is the export's 200).
	CodeExportIncomplete = "export_incomplete"
)

var codeStatus = map[string]int{
	CodeMissingFields: 400, CodeInvalidJSON: 400, CodeInvalidField: 400, CodeInvalidProvider: 400,
	CodeMissingAPIKey: 401, CodeInvalidAPIKey: 401, CodeRevokedAPIKey: 401,
	CodeInsufficientScope: 403, CodeNotFound: 404, CodeMethodNotAllowed: 405, CodeBodyTooLarge: 413,
	CodeUsageCapReached: 429, CodeRateLimitExceeded: 429,
	CodeProviderError: 500, CodeGenerationFailed: 500, CodeInternalError: 500,
	CodeStoreUnavailable: 503, "client_closed_request": 499,
}

// Error is every failure the gateway answers: a status of 400 or more, or
// a stream's error event. Use errors.As to get it:
//
//	var e *kaine.Error
//	if errors.As(err, &e) && e.Code == kaine.CodeInsufficientScope { … }
type Error struct {
	// Status is the HTTP status; for a stream's error event, the status
	// the code has (the stream itself answered 200).
	Status int
	// Code is detail.error (invalid_field, rate_limit_exceeded, …), or
	// "http_<status>" when the body is not Kaine's error shape.
	Code string
	// Message is detail.message, or the start of a body that is not
	// Kaine's error shape.
	Message string
	// Docs is detail.docs, the API docs' URL.
	Docs string
	// RequestID is the answer's X-Request-Id, which names the call's audit
	// record.
	RequestID string
	// RetryAfter is the answer's Retry-After (429 rate_limit_exceeded, 503
	// store_unavailable), 0 when it gave none.
	RetryAfter time.Duration

	noRetry bool  // X-Should-Retry: false
	cause   error // why an export ended early (Unwrap)
}

// Unwrap is why an export ended before its summary (io.ErrUnexpectedEOF,
// context.DeadlineExceeded, …); nil for an error the gateway answered.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kaine: %d %s", e.Status, e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

type errorBody struct {
	Detail *struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Docs    string `json:"docs"`
	} `json:"detail"`
}

// errorFromResponse reads a failed answer.
func errorFromResponse(resp *http.Response, data []byte) *Error {
	e := &Error{
		Status:     resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		noRetry:    strings.EqualFold(resp.Header.Get("X-Should-Retry"), "false"),
	}
	var body errorBody
	if json.Unmarshal(data, &body) == nil && body.Detail != nil && body.Detail.Error != "" {
		e.Code, e.Message, e.Docs = body.Detail.Error, body.Detail.Message, body.Detail.Docs
		return e
	}
	e.Code = "http_" + strconv.Itoa(resp.StatusCode)
	e.Message = snippet(data)
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// errorFromEvent reads a stream's error event.
func errorFromEvent(data []byte, requestID string) *Error {
	var body errorBody
	if json.Unmarshal(data, &body) != nil || body.Detail == nil || body.Detail.Error == "" {
		return &Error{Status: http.StatusInternalServerError, Code: "http_500", Message: snippet(data), RequestID: requestID}
	}
	status, ok := codeStatus[body.Detail.Error]
	if !ok {
		status = http.StatusInternalServerError
	}
	return &Error{Status: status, Code: body.Detail.Error, Message: body.Detail.Message, Docs: body.Detail.Docs, RequestID: requestID}
}

// snippet is the start of a body that is not Kaine's error shape, on one
// line.
func snippet(data []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(data)), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// parseRetryAfter reads Retry-After: seconds (whole or not) or an HTTP
// date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > 24*3600 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
