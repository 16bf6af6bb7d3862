package caddymodule

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// wantError checks an answer is exactly the contract's error shape with the
// expected code and the configured docs URL.
func wantError(t *testing.T, status int, header map[string][]string, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	if ct := header["Content-Type"]; len(ct) != 1 || ct[0] != "application/json" {
		t.Fatalf("Content-Type %v", ct)
	}
	var shape map[string]map[string]string
	if err := json.Unmarshal(body, &shape); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	detail, ok := shape["detail"]
	if len(shape) != 1 || !ok || len(detail) != 3 {
		t.Fatalf("error body %s is not {\"detail\":{error,message,docs}}", body)
	}
	if detail["error"] != wantCode || detail["docs"] != docsURL || detail["message"] == "" {
		t.Fatalf("error body %s, want code %s and docs %s", body, wantCode, docsURL)
	}
}

func TestV1Endpoints(t *testing.T) {
	g := startGateway(t, "")

	status, _, body := g.do("GET", g.base+"/v1/ping", "", nil)
	if status != 200 || string(body) != `{"ok":true,"version":"v1"}` {
		t.Fatalf("ping: %d %s", status, body)
	}

	both := g.userWithKey("angel", "read", "write")
	status, _, body = g.do("GET", g.base+"/v1/me", both.Key, nil)
	if status != 200 {
		t.Fatalf("me: %d %s", status, body)
	}
	var me map[string]any
	if err := json.Unmarshal(body, &me); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"user_id": float64(both.UserID), "username": "angel", "email": "angel@example.com",
		"scopes": []any{"read", "write"}, "key_id": float64(both.KeyID)}
	if !reflect.DeepEqual(me, want) {
		t.Fatalf("me = %v\nwant %v", me, want)
	}

	t.Run("missing key", func(t *testing.T) {
		s, h, b := g.do("GET", g.base+"/v1/me", "", nil)
		wantError(t, s, h, b, 401, "missing_api_key")
	})
	t.Run("unknown key", func(t *testing.T) {
		s, h, b := g.do("GET", g.base+"/v1/me", "kn_live_00000000000000000000000000000000", nil)
		wantError(t, s, h, b, 401, "invalid_api_key")
	})
	t.Run("malformed key", func(t *testing.T) {
		s, h, b := g.do("GET", g.base+"/v1/me", "sk-ant-not-ours", nil)
		wantError(t, s, h, b, 401, "invalid_api_key")
	})
	t.Run("write-only key reading", func(t *testing.T) {
		writeOnly := g.userWithKey("writer", "write")
		s, h, b := g.do("GET", g.base+"/v1/me", writeOnly.Key, nil)
		wantError(t, s, h, b, 403, "insufficient_scope")
	})
	t.Run("unknown path", func(t *testing.T) {
		s, h, b := g.do("GET", g.base+"/v1/nothing-here", both.Key, nil)
		wantError(t, s, h, b, 404, "not_found")
	})
	t.Run("wrong method", func(t *testing.T) {
		s, h, b := g.do("DELETE", g.base+"/v1/me", both.Key, nil)
		wantError(t, s, h, b, 405, "method_not_allowed")
		if h.Get("Allow") != "GET" {
			t.Fatalf("Allow = %q", h.Get("Allow"))
		}
	})
	t.Run("unknown path without a key", func(t *testing.T) {
		s, h, b := g.do("GET", g.base+"/v1/nothing-here", "", nil)
		wantError(t, s, h, b, 404, "not_found")
		if h.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("an anonymous 404 carries X-RateLimit-Limit %q", h.Get("X-RateLimit-Limit"))
		}
	})
	t.Run("unknown path with a bad key", func(t *testing.T) {
		s, h, b := g.do("GET", g.base+"/v1/nothing-here", "kn_live_00000000000000000000000000000000", nil)
		wantError(t, s, h, b, 401, "invalid_api_key")
	})
	t.Run("other paths go to the next handler", func(t *testing.T) {
		s, _, b := g.do("GET", g.base+"/elsewhere", "", nil)
		if s != 200 || string(b) != "next handler" {
			t.Fatalf("got %d %s", s, b)
		}
	})
	t.Run("revoked while cached", func(t *testing.T) {
		k := g.userWithKey("revokee", "read")
		for i := 0; i < 3; i++ { // warm the cache
			if s, _, b := g.do("GET", g.base+"/v1/me", k.Key, nil); s != 200 {
				t.Fatalf("before revoke: %d %s", s, b)
			}
		}
		var revoked map[string]any
		g.adminJSON("DELETE", "/kaine/keys/"+jsonNumber(k.KeyID), nil, 200, &revoked)
		if revoked["revoked"] != true {
			t.Fatalf("revoke answer %v", revoked)
		}
		s, h, b := g.do("GET", g.base+"/v1/me", k.Key, nil)
		wantError(t, s, h, b, 401, "revoked_api_key")
	})
}

// A call with a valid key to a path or method that has no endpoint is
// answered like any authenticated call: counted against the rate limit,
// with its headers, and audited with its error code.
func TestUnroutedCallsWithAKeyAreLimitedAndAudited(t *testing.T) {
	g := startGateway(t, `tier tiny {
			cap_usd 1
			rpm     3
		}`)
	k := g.userWithKey("wanderer", "read")
	g.adminJSON("PATCH", "/kaine/users/"+jsonNumber(k.UserID), map[string]string{"tier": "tiny"}, 200, nil)

	s, h, b := g.do("GET", g.base+"/v1/nothing-here", k.Key, nil)
	wantError(t, s, h, b, 404, "not_found")
	if h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("404 rate-limit headers: limit %q remaining %q", h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"))
	}
	s, h, b = g.do("POST", g.base+"/v1/usage", k.Key, map[string]any{})
	wantError(t, s, h, b, 405, "method_not_allowed")
	if h.Get("Allow") != "GET" || h.Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("405: Allow %q, remaining %q", h.Get("Allow"), h.Get("X-RateLimit-Remaining"))
	}
	g.waitForRecords(k.UserID, 2)
	s, h, b = g.do("GET", g.base+"/v1/nothing-else", k.Key, nil)
	wantError(t, s, h, b, 404, "not_found")
	s, h, b = g.do("GET", g.base+"/v1/nothing-else", k.Key, nil)
	wantError(t, s, h, b, 429, "rate_limit_exceeded")
	if h.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}

	g.waitForRecords(k.UserID, 4)
	records := activeApp(t).runtime.audit
	got, err := records.Query(k.UserID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range got {
		seen = append(seen, fmt.Sprintf("%s %s %d %s", r.Method, r.Endpoint, r.Status, r.Error))
	}
	want := []string{
		"GET /v1/nothing-else 429 rate_limit_exceeded",
		"GET /v1/nothing-else 404 not_found",
		"POST /v1/usage 405 method_not_allowed",
		"GET /v1/nothing-here 404 not_found",
	}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("audit records, newest first:\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func jsonNumber(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestAdminRefusesBadInput(t *testing.T) {
	g := startGateway(t, "")
	g.userWithKey("angel", "read")
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		message            string
	}{
		{"unknown tier", "POST", "/kaine/users", map[string]string{"username": "bob", "email": "bob@example.com", "tier": "gold"}, 400, "unknown tier"},
		{"duplicate username", "POST", "/kaine/users", map[string]string{"username": "angel", "email": "a2@example.com", "tier": "pro"}, 400, "already taken"},
		{"bad email", "POST", "/kaine/users", map[string]string{"username": "bob", "email": "nope", "tier": "pro"}, 400, "email"},
		{"unknown field", "POST", "/kaine/users", map[string]string{"username": "bob", "email": "bob@example.com", "tier": "pro", "role": "admin"}, 400, "unknown field"},
		{"unknown user", "POST", "/kaine/keys", map[string]any{"username": "nobody", "scopes": []string{"read"}}, 400, "not found"},
		{"unknown user id", "POST", "/kaine/keys", map[string]any{"user_id": 99, "scopes": []string{"read"}}, 400, "not found"},
		{"empty scopes", "POST", "/kaine/keys", map[string]any{"username": "angel", "scopes": []string{}}, 400, "at least one"},
		{"no scopes", "POST", "/kaine/keys", map[string]any{"username": "angel"}, 400, "at least one"},
		{"unknown scope", "POST", "/kaine/keys", map[string]any{"username": "angel", "scopes": []string{"read", "admin"}}, 400, "unknown scope"},
		{"tier change to unknown tier", "PATCH", "/kaine/users/1", map[string]string{"tier": "gold"}, 400, "unknown tier"},
		{"tier change of unknown user", "PATCH", "/kaine/users/42", map[string]string{"tier": "pro"}, 404, "not found"},
		{"revoke unknown key", "DELETE", "/kaine/keys/42", nil, 404, "not found"},
		{"revoke bad id", "DELETE", "/kaine/keys/abc", nil, 400, "not a positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var answer struct {
				Error string `json:"error"`
			}
			g.adminJSON(tc.method, tc.path, tc.body, tc.status, &answer)
			if !strings.Contains(answer.Error, tc.message) {
				t.Fatalf("error %q does not mention %q", answer.Error, tc.message)
			}
		})
	}

	var user map[string]any
	g.adminJSON("PATCH", "/kaine/users/1", map[string]string{"tier": "agency"}, 200, &user)
	if user["tier"] != "agency" {
		t.Fatalf("tier change answer %v", user)
	}
	var list struct {
		Keys []map[string]any `json:"keys"`
	}
	g.adminJSON("GET", "/kaine/keys?user_id=1", nil, 200, &list)
	if len(list.Keys) != 1 {
		t.Fatalf("keys of user 1: %v", list.Keys)
	}
	for field := range list.Keys[0] {
		if strings.Contains(field, "sha") || field == "key" || field == "hash" {
			t.Fatalf("key listing shows %q: %v", field, list.Keys[0])
		}
	}
}

func TestTierOverridesFromCaddyfile(t *testing.T) {
	g := startGateway(t, `tier gold {
			cap_usd 1000
			rpm 600
		}
		tier starter {
			rpm 10
		}`)
	g.adminJSON("POST", "/kaine/users", map[string]string{"username": "rich", "email": "rich@example.com", "tier": "gold"}, 201, nil)
	app := activeApp(t)
	if app.Tiers["starter"] != (Tier{CapUSD: 50, RPM: 10}) || app.Tiers["gold"] != (Tier{CapUSD: 1000, RPM: 600}) || len(app.Tiers) != 5 {
		t.Fatalf("tiers = %v", app.Tiers)
	}
}

func TestProviderKeysStayOutOfTheConfig(t *testing.T) {
	t.Setenv("KAINE_TEST_ANTHROPIC_KEY", "sk-ant-secret-value")
	g := startGateway(t, `provider anthropic {
			api_key {env.KAINE_TEST_ANTHROPIC_KEY}
		}
		provider local {
			protocol openai
			base_url http://127.0.0.1:11434
			model llama3.2
		}`)
	status, _, cfg := g.do("GET", g.admin+"/config/", "", nil)
	if status != 200 || strings.Contains(string(cfg), "sk-ant-secret-value") {
		t.Fatalf("config (%d) holds the provider key: %s", status, cfg)
	}
	app := activeApp(t)
	if app.providerKeys["anthropic"] != "sk-ant-secret-value" || app.providerKeys["local"] != "" {
		t.Fatalf("provider keys not resolved as expected")
	}
	if p := app.Providers["local"]; p.Protocol != "openai" || p.Model != "llama3.2" {
		t.Fatalf("local provider = %+v", p)
	}
	if _, ok := app.Providers["google"]; !ok {
		t.Fatal("the known providers are not listed by default")
	}
}
