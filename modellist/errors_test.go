package modellist

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/keinetech/kaine/internal/providertext"
)

func TestProviderErrorsCarryStatusAndMessage(t *testing.T) {
	long := strings.Repeat("x", 400)
	for _, c := range []struct {
		name, protocol string
		status         int
		body           string
		want           string
	}{
		{"anthropic overloaded", "anthropic", 529,
			`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011"}`, "Overloaded"},
		{"anthropic permission", "anthropic", 403,
			`{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."},"request_id":"req_012"}`,
			"Your API key does not have permission to use the specified resource."},
		{"openai quota", "openai", 429,
			`{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			"You exceeded your current quota, please check your plan and billing details."},
		{"openai echoing the key", "openai", 400,
			`{"error":{"message":"Bad key ` + testKey + ` in request","type":"invalid_request_error","param":null,"code":null}}`,
			"Bad key [redacted] in request"},
		{"openai 401 echoing the key", "openai", 401,
			`{"error":{"message":"Incorrect API key provided: ` + testKey + `.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			providertext.KeyRefused},
		{"compatible server's string error", "openai", 500, `{"error":"model runner has unexpectedly stopped"}`,
			"model runner has unexpectedly stopped"},
		{"vLLM's top-level message", "openai", 404,
			`{"object":"error","message":"The model does not exist.","type":"NotFoundError","param":null,"code":404}`,
			"The model does not exist."},
		{"gemini permission", "gemini", 403,
			`{"error":{"code":403,"message":"Method doesn't allow unregistered callers.","status":"PERMISSION_DENIED"}}`,
			"Method doesn't allow unregistered callers."},
		{"gemini quota", "gemini", 429,
			`{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}`,
			"Resource has been exhausted (e.g. check quota)."},
		{"plain text", "openai", 404, "404 page not found\n", "404 page not found"},
		{"proxy's HTML page", "anthropic", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "Bad Gateway"},
		{"JSON without a message", "gemini", 500, `{"error":{"code":500}}`, "Internal Server Error"},
		{"long message", "openai", 400, `{"error":{"message":"` + long + `"}}`, strings.Repeat("x", providertext.MaxMessage) + "…"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := literalServer(t, c.status, c.body)

			_, err := List(t.Context(), srv.Client(), c.protocol, srv.URL, testKey)
			se := statusErr(t, err)
			if se.Status != c.status || se.Message != c.want {
				t.Errorf("error = %d %q, want %d %q", se.Status, se.Message, c.status, c.want)
			}
			if !strings.Contains(err.Error(), "HTTP "+strconv.Itoa(c.status)) {
				t.Errorf("error %q does not show the status", err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q holds the key", err)
			}
		})
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere requestLog
	other := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.add(r)
		writeJSON(w, http.StatusOK, `{"models":[]}`)
	}))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))

	// A client that follows redirects: List must not, or the key goes along.
	_, err := List(t.Context(), &http.Client{}, "gemini", srv.URL, testKey)
	if se := statusErr(t, err); se.Status != http.StatusTemporaryRedirect {
		t.Errorf("status = %d, want 307", se.Status)
	}
	if n := len(elsewhere.all()); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}
