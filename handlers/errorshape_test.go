package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tidwall/gjson"
)

func TestErrorsTakeTheRoutesShape(t *testing.T) {
	e := Errors{DocsURL: "https://docs.example/errors"}
	for _, tc := range []struct {
		shape  ErrorShape
		code   string
		param  string
		checks map[string]string
	}{
		{KaineErrors, CodeInvalidField, "seed", map[string]string{"detail.error": "invalid_field", "error": ""}},
		{OpenAIErrors, CodeInvalidField, "seed", map[string]string{"detail.error": "invalid_field", "detail.docs": "https://docs.example/errors",
			"error.type": "invalid_request_error", "error.code": "invalid_field", "error.param": "seed", "error.message": "m"}},
		{OpenAIErrors, CodeInvalidAPIKey, "", map[string]string{"error.type": "authentication_error", "error.param": "", "error.code": "invalid_api_key"}},
		{OpenAIErrors, CodeUsageCapReached, "", map[string]string{"error.type": "insufficient_quota"}},
		{OpenAIErrors, CodeProviderError, "", map[string]string{"error.type": "server_error"}},
		{AnthropicErrors, CodeRateLimitExceeded, "", map[string]string{"type": "error", "error.type": "rate_limit_error", "error.message": "m",
			"detail.error": "rate_limit_exceeded"}},
		{AnthropicErrors, CodeBodyTooLarge, "", map[string]string{"error.type": "request_too_large"}},
		{AnthropicErrors, CodeNotFound, "", map[string]string{"error.type": "not_found_error"}},
	} {
		rec := &Recorder{ResponseWriter: httptest.NewRecorder()}
		w := WithErrorShape(rec, tc.shape)
		e.WriteParam(w, tc.code, "m", tc.param)
		body := rec.ResponseWriter.(*httptest.ResponseRecorder).Body.Bytes()
		if rec.ErrorCode != tc.code || rec.Status != StatusOf(tc.code) {
			t.Errorf("%v %s: recorded %s %d", tc.shape, tc.code, rec.ErrorCode, rec.Status)
		}
		for path, want := range tc.checks {
			if got := gjson.GetBytes(body, path).Str; got != want {
				t.Errorf("%v %s: %s = %q, want %q in %s", tc.shape, tc.code, path, got, want, body)
			}
		}
		if tc.shape == OpenAIErrors && tc.param == "" && gjson.GetBytes(body, "error.param").Type != gjson.Null {
			t.Errorf("OpenAI's param must be null without a field: %s", body)
		}
	}
}

func TestACapReachedTellsTheSDKsNotToRetry(t *testing.T) {
	for shape, want := range map[ErrorShape]string{KaineErrors: "", OpenAIErrors: "false", AnthropicErrors: "false"} {
		rec := httptest.NewRecorder()
		Errors{}.Write(WithErrorShape(rec, shape), CodeUsageCapReached, "cap")
		if got := rec.Header().Get("X-Should-Retry"); got != want {
			t.Errorf("shape %v: X-Should-Retry %q, want %q", shape, got, want)
		}
	}
}

func TestSDKErrorsFollowTheAnthropicVersionHeader(t *testing.T) {
	route := &Route{Errors: SDKErrors}
	r := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	if route.ErrorShapeFor(r) != OpenAIErrors {
		t.Error("without anthropic-version: OpenAI's shape")
	}
	r.Header.Set("Anthropic-Version", "2023-06-01")
	if route.ErrorShapeFor(r) != AnthropicErrors {
		t.Error("with anthropic-version: Anthropic's shape")
	}
}
