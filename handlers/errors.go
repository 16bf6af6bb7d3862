// Package handlers serves the Kaine v1 API as plain net/http handlers: the
// route table, the one error writer, the JSON helpers and the endpoints.
package handlers

import (
	"net/http"
)

// Error codes of the public contract. Each is sent with one fixed status.
const (
	CodeMissingFields     = "missing_fields"
	CodeInvalidJSON       = "invalid_json"
	CodeInvalidField      = "invalid_field"
	CodeInvalidProvider   = "invalid_provider"
	CodeMissingAPIKey     = "missing_api_key"
	CodeInvalidAPIKey     = "invalid_api_key"
	CodeRevokedAPIKey     = "revoked_api_key"
	CodeInsufficientScope = "insufficient_scope"
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeBodyTooLarge      = "body_too_large"
	CodeUsageCapReached   = "usage_cap_reached"
	CodeRateLimitExceeded = "rate_limit_exceeded"
	CodeProviderError     = "provider_error"
	CodeGenerationFailed  = "generation_failed"
	// CodeStoreUnavailable refuses a call that would spend while a fleet's
	// shared state (its Redis) cannot be reached: admitting it could pass
	// a cap or a rate limit no instance can see.
	CodeStoreUnavailable = "store_unavailable"
	// CodeInternal is for Kaine's own faults (a database error, say), kept
	// apart from the provider's so a user knows whom to blame.
	CodeInternal = "internal_error"
	// CodeClientClosed marks, in the audit log, a call whose client went
	// away before the answer: nobody reads it, but the record must not
	// blame the provider.
	CodeClientClosed = "client_closed_request"
)

var statusOf = map[string]int{
	CodeMissingFields:     http.StatusBadRequest,
	CodeInvalidJSON:       http.StatusBadRequest,
	CodeInvalidField:      http.StatusBadRequest,
	CodeInvalidProvider:   http.StatusBadRequest,
	CodeMissingAPIKey:     http.StatusUnauthorized,
	CodeInvalidAPIKey:     http.StatusUnauthorized,
	CodeRevokedAPIKey:     http.StatusUnauthorized,
	CodeInsufficientScope: http.StatusForbidden,
	CodeNotFound:          http.StatusNotFound,
	CodeMethodNotAllowed:  http.StatusMethodNotAllowed,
	CodeBodyTooLarge:      http.StatusRequestEntityTooLarge,
	CodeUsageCapReached:   http.StatusTooManyRequests,
	CodeRateLimitExceeded: http.StatusTooManyRequests,
	CodeProviderError:     http.StatusInternalServerError,
	CodeGenerationFailed:  http.StatusInternalServerError,
	CodeInternal:          http.StatusInternalServerError,
	CodeStoreUnavailable:  http.StatusServiceUnavailable,
	CodeClientClosed:      499, // nginx's convention; no standard status exists
}

// StatusOf returns the HTTP status the contract gives a code.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// apiError is an answer the contract gives instead of a result: a request
// field missing or wrong, a cap reached, a provider failing. Its message is
// written for the caller (or an agent's model) to read.
type apiError struct {
	code    string
	message string
	// cause is Kaine's own fault behind an internal_error: for the log,
	// never the caller (it may name paths or hosts).
	cause error
}

// internalError is an internal_error answer for Kaine's own fault err.
func internalError(message string, err error) *apiError {
	return &apiError{code: CodeInternal, message: message, cause: err}
}

func (e *apiError) Error() string { return e.message }

type errorBody struct {
	Detail errorDetail `json:"detail"`
}

type errorDetail struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Docs    string `json:"docs"`
}

// Errors writes every error the API sends, in the contract's shape:
// {"detail":{"error":CODE,"message":TEXT,"docs":DOCS_URL}}.
type Errors struct {
	// DocsURL goes into every error's "docs" field.
	DocsURL string
	// OnInternal, if set, hears of every fault of Kaine's own answered
	// internal_error, once, with the request's ID: the gateway logs and
	// counts it.
	OnInternal func(requestID string, err error)
}

// Write sends code with its contract status. message says what to do next
// and must never hold a secret.
func (e Errors) Write(w http.ResponseWriter, code, message string) {
	e.WriteParam(w, code, message, "")
}

// WriteParam is Write for an error about one request field, which an SDK's
// error shape names (OpenAI's param).
func (e Errors) WriteParam(w http.ResponseWriter, code, message, param string) {
	if code == CodeUsageCapReached && errorShapeOf(w) != KaineErrors {
		// The SDKs retry a 429 unless told not to; a cap stays reached.
		w.Header().Set("X-Should-Retry", "false")
	}
	if code == CodeStoreUnavailable {
		w.Header().Set("Retry-After", storeRetryAfter)
	}
	writeJSONBytes(w, StatusOf(code), e.body(w, code, message, param))
}

// Send writes an apiError, reporting the fault behind an internal one.
func (e Errors) Send(w http.ResponseWriter, err *apiError) {
	e.report(w, err)
	e.Write(w, err.code, err.message)
}

// report tells OnInternal of the fault behind an internal error.
func (e Errors) report(w http.ResponseWriter, err *apiError) {
	if err.cause != nil {
		e.Fault(w.Header().Get("X-Request-Id"), err.cause)
	}
}

// Fault tells OnInternal of a fault of Kaine's own that no answer shows:
// work after the answer, or no request's at all (requestID "").
func (e Errors) Fault(requestID string, err error) {
	if e.OnInternal != nil {
		e.OnInternal(requestID, err)
	}
}

// Internal answers internal_error with message for Kaine's own fault err,
// which is reported, not shown.
func (e Errors) Internal(w http.ResponseWriter, err error, message string) {
	e.Send(w, internalError(message, err))
}

// Body returns the error's JSON for a caller that sends it itself (as an
// event in a stream whose status is already sent), noting the code for the
// audit record.
func (e Errors) Body(w http.ResponseWriter, code, message string) []byte {
	return e.body(w, code, message, "")
}

func (e Errors) body(w http.ResponseWriter, code, message, param string) []byte {
	NoteError(w, code)
	body, err := shapedBody(errorShapeOf(w), errorDetail{Error: code, Message: message, Docs: e.DocsURL}, param)
	if err != nil { // cannot happen: strings always encode
		body = []byte(`{"detail":{"error":"` + code + `"}}`)
	}
	return body
}
