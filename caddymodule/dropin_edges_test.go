package caddymodule

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// The provider's timeout bounds its silence on the drop-in routes as on
// /v1/llm: the wait for the answer to start, then each gap within it.
func TestDropInProviderSilenceIsBounded(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	g := startGateway(t, fmt.Sprintf(`provider anthropic {
			api_key test-anthropic-key
			base_url %s
			timeout 1s
		}`, fake.URL))
	k := g.userWithKey("angel", "write")
	headers := map[string]string{"X-Api-Key": k.Key, "Anthropic-Version": "2023-06-01"}
	send := func(body string) (int, []byte) {
		status, _, data := g.sendWithHeaders("POST", g.base+"/anthropic/v1/messages", headers, []byte(body))
		return status, data
	}
	body := `{"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`
	stream := `{"model":"claude-haiku-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}`

	fake.Enqueue(fakeupstream.Reply{Hang: true})
	start := time.Now()
	status, data := send(body)
	if status != 500 || !strings.Contains(string(data), "timed out") || time.Since(start) > 5*time.Second {
		t.Fatalf("a provider that never answers: %d %s after %v", status, data, time.Since(start))
	}
	// Given up on, the call may still be generating at the provider: billed
	// for its prompt, estimated at four bytes a token (90 bytes: 23 × $1
	// per million for haiku = 23 µUSD).
	if rec := g.lastRecord(k.UserID, 1, "/anthropic/v1/messages"); rec.Status != 500 || rec.Error != "provider_error" || rec.TokensIn != 23 || rec.Cost != 23 {
		t.Fatalf("audit record %+v", rec)
	}

	// A stream that starts, then stalls: cut at the bound, billed for what
	// crossed, audited as failed.
	gate := make(chan struct{})
	defer close(gate)
	fake.Enqueue(fakeupstream.Reply{Chunks: []string{"first ", "second"}, PauseAfter: 1, Gate: gate,
		Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 50}})
	req, _ := http.NewRequest("POST", g.base+"/anthropic/v1/messages", strings.NewReader(stream))
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	// The client sees the stream break, not end: a short answer would pass
	// for a whole one.
	if resp.StatusCode != 200 || err == nil || !strings.Contains(string(data), "first ") || strings.Contains(string(data), "second") {
		t.Fatalf("stalled stream: %d %s (read error %v)", resp.StatusCode, data, err)
	}
	rec := g.lastRecord(k.UserID, 2, "/anthropic/v1/messages")
	if rec.Error != "provider_error" || rec.TokensIn != 100 || rec.TokensOut < 1 || rec.Cost == 0 {
		t.Fatalf("stalled stream audit record %+v", rec)
	}
}

// OpenAI's organization and project headers name the caller's own account:
// they go with the caller's key, never with the gateway's.
func TestDropInForwardsOpenAIAccountHeadersOnlyWithTheCallersKey(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	body := []byte(`{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"hi"}]}`)
	for i, byok := range []string{"", "sk-callers-own"} {
		u.openai.Enqueue(fakeupstream.Reply{Text: "hi", Usage: fakeupstream.Usage{InputTokens: 1, OutputTokens: 1}})
		headers := map[string]string{"Authorization": "Bearer " + k.Key, "OpenAI-Organization": "org-caller", "OpenAI-Project": "proj-caller"}
		if byok != "" {
			headers["X-Kaine-Provider-Key"] = byok
		}
		if status, _, data := g.sendWithHeaders("POST", g.base+"/openai/v1/chat/completions", headers, body); status != 200 {
			t.Fatalf("%d %s", status, data)
		}
		seen := u.openai.Requests()[i].Header
		forwarded := seen.Get("OpenAI-Organization") == "org-caller" && seen.Get("OpenAI-Project") == "proj-caller"
		if forwarded != (byok != "") {
			t.Fatalf("byok %q: upstream headers %v", byok, seen)
		}
	}
}

// Priority processing is billed above the table's standard prices, so it
// is served only on the caller's own key.
func TestDropInRefusesPriorityTierOnTheGatewaysKey(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	body := `{"model":"gpt-5.4-mini","service_tier":"priority","messages":[{"role":"user","content":"hi"}]}`
	status, _, data := g.doRaw("POST", "/openai/v1/chat/completions", k.Key, body)
	if status != 400 || !strings.Contains(string(data), `"invalid_field"`) || len(u.openai.Requests()) != 0 {
		t.Fatalf("priority on the gateway's key: %d %s", status, data)
	}
	u.openai.Enqueue(fakeupstream.Reply{Text: "hi", Usage: fakeupstream.Usage{InputTokens: 1, OutputTokens: 1}})
	headers := map[string]string{"Authorization": "Bearer " + k.Key, "X-Kaine-Provider-Key": "sk-callers-own"}
	if status, _, data := g.sendWithHeaders("POST", g.base+"/openai/v1/chat/completions", headers, []byte(body)); status != 200 {
		t.Fatalf("priority on the caller's key: %d %s", status, data)
	}
}

// The provider's request ID reaches the SDK as the provider sent it, with
// Kaine's beside it; the operator's account IDs never reach a caller on
// the gateway's key.
func TestDropInAnswerHeaders(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Request-Id", "req_provider")
		w.Header().Set("OpenAI-Organization", "org-operator")
		w.Header().Set("OpenAI-Project", "proj_operator")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"chat.completion","model":"gpt-5.4-mini","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}`)
	}))
	defer upstream.Close()
	g := startGateway(t, fmt.Sprintf(`provider openai {
			api_key test-openai-key
			base_url %s/v1
		}`, upstream.URL))
	k := g.userWithKey("angel", "write")
	body := []byte(`{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"hi"}]}`)
	for _, byok := range []string{"", "sk-callers-own"} {
		headers := map[string]string{"Authorization": "Bearer " + k.Key}
		if byok != "" {
			headers["X-Kaine-Provider-Key"] = byok
		}
		status, h, data := g.sendWithHeaders("POST", g.base+"/openai/v1/chat/completions", headers, body)
		if status != 200 || h.Values("X-Request-Id")[0] != "req_provider" || len(h.Values("X-Request-Id")) != 1 || h.Get("X-Kaine-Request-Id") == "" {
			t.Fatalf("byok %q: %d %v %s", byok, status, h, data)
		}
		if shown := h.Get("OpenAI-Organization") != "" || h.Get("OpenAI-Project") != ""; shown != (byok != "") {
			t.Fatalf("byok %q: account headers %v", byok, h)
		}
	}
}

// Features the provider bills beyond the tokens are served only on the
// caller's own key.
func TestDropInRefusesUnmeterableFeaturesOnTheGatewaysKey(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	for _, c := range []struct{ path, body string }{
		{"/openai/v1/responses", `{"model":"gpt-5.4-mini","input":"hi","background":true}`},
		{"/openai/v1/responses", `{"model":"gpt-5.4-mini","input":"hi","tools":[{"type":"web_search"}]}`},
	} {
		status, _, data := g.doRaw("POST", c.path, k.Key, c.body)
		if status != 400 || !strings.Contains(string(data), `"invalid_field"`) || !strings.Contains(string(data), "X-Kaine-Provider-Key") {
			t.Fatalf("%s: %d %s", c.body, status, data)
		}
	}
	headers := map[string]string{"X-Api-Key": k.Key, "Anthropic-Version": "2023-06-01", "Anthropic-Beta": "context-1m-2025-08-07"}
	status, _, data := g.sendWithHeaders("POST", g.base+"/anthropic/v1/messages", headers,
		[]byte(`{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`))
	if status != 400 || !strings.Contains(string(data), "1M-token") {
		t.Fatalf("long-context beta: %d %s", status, data)
	}
	if n := len(u.openai.Requests()) + len(u.anthropic.Requests()); n != 0 {
		t.Fatalf("%d refused requests reached a provider", n)
	}
}
