package caddymodule

import (
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
