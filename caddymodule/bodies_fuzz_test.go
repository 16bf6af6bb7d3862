package caddymodule

// A fuzz target for every v1 endpoint that takes a body. Its seeds run with
// the ordinary tests; a real run is
//
//	go test -run XXX -fuzz '^FuzzV1Bodies$' -fuzztime 30s ./caddymodule/

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// Whatever body a v1 endpoint gets, it answers with a result or an error in
// the contract's shape. The fake provider is healthy, so the only 5xx is a
// landing page whose copy ("ok") is unusable: generation_failed.
func FuzzV1Bodies(f *testing.F) {
	for _, seed := range []string{
		`{"prompt":"Write a haiku","max_tokens":50,"temperature":0.3}`,
		`{"name":"Ana","email":"ana@example.com","status":"new","notes":"x"}`,
		`{"status":"contacted","notes":"called"}`,
		`{"business_name":"Acme","description":"Roofing in Tampa","client_email":"a@acme.example"}`,
		`{"prompt":"a drone shot of a roof","duration":4,"provider":"runway"}`,
		`{"agent_name":"lead_crm_agent","goal":"Follow up with lead 1."}`,
		`{"agent_name":"seo_agent","goal":"Audit the site.","async":true}`,
		`{"title":"Refunds","text":"We refund within 30 days.","source":"faq"}`,
		`{"model":"auto","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"haiku","max_tokens":64,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"thinking":{"type":"enabled","budget_tokens":1024}}`,
		`{"model":"gpt-mini","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`,
		`{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64"}`,
		`{"prompt":1e309,"max_tokens":-1,"agent_name":null,"goal":[],"title":{"a":1}}`,
		"{\"prompt\":\"\xff\xfe\"}",
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		``,
	} {
		f.Add(seed)
	}
	fake := fakeupstream.New()
	f.Cleanup(fake.Close)
	fake.Default(fakeupstream.Reply{Text: "ok", Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 5}})
	u := upstreams{fake, fake, fake}
	// No rate limit or cap in the way: every body must reach its endpoint.
	g := startGateway(f, u.providers(`tier developer {
			cap_usd 1000000
			rpm 1000000000
		}`))
	k := g.userWithKey("fuzz", "read", "write")
	g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana"}`)
	endpoints := []struct{ method, path string }{
		{"POST", "/v1/llm"}, {"POST", "/v1/leads"}, {"PATCH", "/v1/leads/1"}, {"POST", "/v1/landing-pages"},
		{"POST", "/v1/videos"}, {"POST", "/v1/agents/run"}, {"POST", "/v1/knowledge"},
		{"POST", "/v1/chat/completions"}, {"POST", "/v1/messages"}, {"POST", "/v1/messages/count_tokens"}, {"POST", "/v1/embeddings"},
	}
	f.Fuzz(func(t *testing.T, body string) {
		g.t = t
		for _, e := range endpoints {
			status, h, data := g.send(e.method, g.base+e.path, k.Key, []byte(body))
			if status == 429 && !(e.path == "/v1/agents/run" && strings.Contains(string(data), "runs under way")) {
				t.Fatalf("%s %s: %d %s; the fuzz target must reach the endpoint", e.method, e.path, status, data)
			}
			if status < 300 {
				continue
			}
			answer := gjson.ParseBytes(data)
			code := answer.Get("detail.error").Str
			if !gjson.ValidBytes(data) || code == "" || answer.Get("detail.message").Str == "" || h.Get("X-Request-Id") == "" {
				t.Fatalf("%s %s %q: %d, not the contract's error shape: %s", e.method, e.path, body, status, data)
			}
			if status >= 500 && !(e.path == "/v1/landing-pages" && code == "generation_failed") {
				t.Fatalf("%s %s %q: %d %s", e.method, e.path, body, status, data)
			}
		}
	})
}
