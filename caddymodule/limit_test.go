package caddymodule

import (
	"strconv"
	"testing"
)

func TestRateLimitHeadersAnd429(t *testing.T) {
	g := startGateway(t, `tier starter {
			rpm 3
		}`)
	g.adminJSON("POST", "/kaine/users", map[string]string{"username": "slow", "email": "slow@example.com", "tier": "starter"}, 201, nil)
	var k newKey
	g.adminJSON("POST", "/kaine/keys", map[string]any{"username": "slow", "scopes": []string{"read"}}, 201, &k)
	other := g.userWithKey("fast", "read") // developer tier: its own, larger limit

	for i := 1; i <= 3; i++ {
		status, h, body := g.do("GET", g.base+"/v1/me", k.Key, nil)
		if status != 200 || h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(3-i) || h.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d: %d %v %s", i, status, h, body)
		}
	}
	status, h, body := g.do("GET", g.base+"/v1/me", k.Key, nil)
	wantError(t, status, h, body, 429, "rate_limit_exceeded")
	if h.Get("Retry-After") != "20" || h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("429 headers: Retry-After %q, Remaining %q", h.Get("Retry-After"), h.Get("X-RateLimit-Remaining"))
	}
	if status, _, body := g.do("GET", g.base+"/v1/me", other.Key, nil); status != 200 {
		t.Fatalf("another account was limited too: %d %s", status, body)
	}
	writeOnly := g.userWithKey("forbidden", "write")
	status, h, body = g.do("GET", g.base+"/v1/me", writeOnly.Key, nil)
	wantError(t, status, h, body, 403, "insufficient_scope")
	if h.Get("X-RateLimit-Limit") == "" || h.Get("X-RateLimit-Remaining") == "" {
		t.Fatalf("a 403 lacks the rate-limit headers: %v", h)
	}
}

func TestRequestIDOnEveryAnswer(t *testing.T) {
	g := startGateway(t, "")
	_, h1, _ := g.do("GET", g.base+"/v1/ping", "", nil)
	_, h2, _ := g.do("GET", g.base+"/v1/nope", "", nil)
	if h1.Get("X-Request-Id") == "" || h2.Get("X-Request-Id") == "" || h1.Get("X-Request-Id") == h2.Get("X-Request-Id") {
		t.Fatalf("request IDs %q, %q", h1.Get("X-Request-Id"), h2.Get("X-Request-Id"))
	}
}
