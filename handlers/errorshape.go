package handlers

import (
	"encoding/json"
	"net/http"
)

// ErrorShape is the body shape a route's errors take: Kaine's alone, or
// Kaine's beside the one an SDK reads, so the OpenAI and Anthropic SDKs
// raise their own error types and Kaine clients still read detail.
type ErrorShape uint8

const (
	// KaineErrors: {"detail":{"error","message","docs"}}.
	KaineErrors ErrorShape = iota
	// OpenAIErrors adds {"error":{"message","type","code","param"}}.
	OpenAIErrors
	// AnthropicErrors adds {"type":"error","error":{"type","message"}}.
	AnthropicErrors
	// SDKErrors is AnthropicErrors for a request that says its Anthropic
	// API version (as the Anthropic SDK does), else OpenAIErrors: for the
	// routes both SDKs call.
	SDKErrors
)

// ErrorShapeFor is the error shape of the route's answer to r.
func (rt *Route) ErrorShapeFor(r *http.Request) ErrorShape {
	if rt.Errors != SDKErrors {
		return rt.Errors
	}
	if fromAnthropicSDK(r) {
		return AnthropicErrors
	}
	return OpenAIErrors
}

// fromAnthropicSDK reports whether r says its Anthropic API version, as
// the Anthropic SDKs always do.
func fromAnthropicSDK(r *http.Request) bool { return r.Header.Get("Anthropic-Version") != "" }

// shapedWriter carries a route's error shape to whatever writes its
// errors, the pipeline's steps before the endpoint included.
type shapedWriter struct {
	http.ResponseWriter
	shape ErrorShape
}

func (s *shapedWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// WithErrorShape returns w writing its errors in shape.
func WithErrorShape(w http.ResponseWriter, shape ErrorShape) http.ResponseWriter {
	if shape == KaineErrors {
		return w
	}
	return &shapedWriter{ResponseWriter: w, shape: shape}
}

// errorShapeOf finds the error shape w was given, KaineErrors by default.
func errorShapeOf(w http.ResponseWriter) ErrorShape {
	for w != nil {
		if s, ok := w.(*shapedWriter); ok {
			return s.shape
		}
		inner, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = inner.Unwrap()
	}
	return KaineErrors
}

type openAIErrorBody struct {
	Error  openAIError `json:"error"`
	Detail errorDetail `json:"detail"`
}

// openAIError is OpenAI's error object: param and code may be null.
type openAIError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Code    string  `json:"code"`
	Param   *string `json:"param"`
}

type anthropicErrorBody struct {
	Type   string         `json:"type"` // error
	Error  anthropicError `json:"error"`
	Detail errorDetail    `json:"detail"`
}

type anthropicError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// shapedBody is an error's body in shape; param names the request field
// at fault ("" for none).
func shapedBody(shape ErrorShape, detail errorDetail, param string) ([]byte, error) {
	status := StatusOf(detail.Error)
	switch shape {
	case OpenAIErrors:
		e := openAIError{Message: detail.Message, Type: openAIErrorType(status, detail.Error), Code: detail.Error}
		if param != "" {
			e.Param = &param
		}
		return json.Marshal(openAIErrorBody{Error: e, Detail: detail})
	case AnthropicErrors:
		return json.Marshal(anthropicErrorBody{Type: "error", Error: anthropicError{Type: anthropicErrorType(status), Message: detail.Message}, Detail: detail})
	}
	return json.Marshal(errorBody{Detail: detail})
}

// openAIErrorType is the type OpenAI gives an error of this status; a
// reached cost cap is its insufficient_quota, which the SDKs do not retry.
func openAIErrorType(status int, code string) string {
	switch {
	case code == CodeUsageCapReached:
		return "insufficient_quota"
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// anthropicErrorType is the type Anthropic gives an error of this status.
func anthropicErrorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "api_error"
	}
	return "invalid_request_error"
}
