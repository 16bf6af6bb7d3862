package caddymodule

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// BenchmarkPipelineMe measures the gateway's own work for an authenticated
// GET /v1/me, without the network: request ID, routing, auth (warm cache),
// scope, rate limit, the endpoint's JSON and the audit enqueue.
func BenchmarkPipelineMe(b *testing.B) {
	g := startGateway(b, `tier developer {
			rpm 1000000000
		}`)
	k := g.userWithKey("bench", "read")
	h := &Handler{app: activeApp(b)}
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("GET", "/v1/me", nil)
		r.Header.Set("Authorization", "Bearer "+k.Key)
		w := httptest.NewRecorder()
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, nil)
		if err := h.ServeHTTP(w, r, next); err != nil || w.Code != 200 {
			b.Fatalf("%d %v", w.Code, err)
		}
	}
}

// BenchmarkPipelineDropIn measures an authenticated, metered
// POST /openai/v1/chat/completions through the whole pipeline to a
// loopback upstream that answers at once: the cost per call of auth, the
// limit, the cap reservation, reading the request, the proxy, the meter,
// the settlement and the audit enqueue (and of the loopback round trip).
func BenchmarkPipelineDropIn(b *testing.B) {
	answer := []byte(`{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-5.4-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	}))
	defer upstream.Close()
	g := startGateway(b, fmt.Sprintf(`tier developer {
			rpm 1000000000
		}
		provider openai {
			api_key test-openai-key
			base_url %s/v1
		}`, upstream.URL))
	k := g.userWithKey("bench", "write")
	h := &Handler{app: activeApp(b)}
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })
	body := []byte(`{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"Say hi"}],"max_completion_tokens":100}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("POST", "/openai/v1/chat/completions", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+k.Key)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, nil)
		if err := h.ServeHTTP(w, r, next); err != nil || w.Code != 200 {
			b.Fatalf("%d %v %s", w.Code, err, w.Body)
		}
	}
}
