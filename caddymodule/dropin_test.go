package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

func anthropicSDK(g *gateway, key string) anthropic.Client {
	return anthropic.NewClient(anthropicoption.WithBaseURL(g.base+"/anthropic"), anthropicoption.WithAPIKey(key),
		anthropicoption.WithMaxRetries(0))
}

func openaiSDK(g *gateway, key string) openai.Client {
	return openai.NewClient(openaioption.WithBaseURL(g.base+"/openai/v1"), openaioption.WithAPIKey(key),
		openaioption.WithMaxRetries(0))
}

// lastRecord waits for the account's newest audit record of endpoint.
func (g *gateway) lastRecord(user uint64, n int, endpoint string) metering.AuditRecord {
	g.t.Helper()
	g.waitForRecords(user, n)
	recs, err := activeApp(g.t).runtime.audit.Query(user, endpoint, 1)
	if err != nil || len(recs) == 0 {
		g.t.Fatalf("audit of %s: %v %v", endpoint, recs, err)
	}
	return recs[0]
}

func TestAnthropicSDKThroughTheDropInRoute(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	client := anthropicSDK(g, k.Key)
	ctx := context.Background()
	params := anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 200,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hi"))}}

	u.anthropic.Enqueue(fakeupstream.Reply{Text: "Hi there.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 200, CacheRead: 5000}})
	msg, err := client.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Content[0].Text != "Hi there." || msg.Usage.InputTokens != 1000 || msg.Usage.CacheReadInputTokens != 5000 {
		t.Fatalf("message %+v", msg)
	}
	seen := u.anthropic.Requests()[0]
	if seen.Header.Get("X-Api-Key") != "test-anthropic-key" || strings.Contains(fmt.Sprint(seen.Header), k.Key) {
		t.Fatalf("upstream headers %v: want the provider key and no Kaine key", seen.Header)
	}
	// haiku: 1000 × $1 + 200 × $5 + 5000 × $0.10 per million = 2,500 µUSD.
	rec := g.lastRecord(k.UserID, 1, "/anthropic/v1/messages")
	if rec.Status != 200 || rec.Provider != "anthropic" || rec.Model != "claude-haiku-4-5" || rec.TokensIn != 6000 || rec.TokensOut != 200 || rec.Cost != 2500 {
		t.Fatalf("audit record %+v", rec)
	}

	u.anthropic.Enqueue(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 2}})
	stream := client.Messages.NewStreaming(ctx, params)
	var text strings.Builder
	for stream.Next() {
		if ev := stream.Current(); ev.Type == "content_block_delta" {
			text.WriteString(ev.Delta.Text)
		}
	}
	if err := stream.Err(); err != nil || text.String() != "Hello" {
		t.Fatalf("stream: %q %v", text.String(), err)
	}
	// 10 × $1 + 2 × $5 = 20 µUSD.
	if rec := g.lastRecord(k.UserID, 2, "/anthropic/v1/messages"); rec.Cost != 20 || rec.TokensOut != 2 {
		t.Fatalf("stream audit record %+v", rec)
	}

	u.anthropic.Enqueue(fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"})
	_, err = client.Messages.New(ctx, params)
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 529 || !strings.Contains(apiErr.Error(), "Overloaded") {
		t.Fatalf("provider error reached the SDK as %T %v", err, err)
	}
	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != 2520 {
		t.Fatalf("ledger %d µUSD, want 2520", used)
	}
}

func TestOpenAISDKThroughTheDropInRoute(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	client := openaiSDK(g, k.Key)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{Model: "gpt-5.4-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hi")}}

	u.openai.Enqueue(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100, CacheRead: 1000}})
	done, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if done.Choices[0].Message.Content != "Hi." || done.Usage.PromptTokens != 2000 {
		t.Fatalf("completion %+v", done)
	}
	if got := u.openai.Requests()[0].Header.Get("Authorization"); got != "Bearer test-openai-key" {
		t.Fatalf("upstream Authorization %q", got)
	}
	// gpt-mini: (2000 − 1000) × $0.75 + 1000 × $0.075 + 100 × $4.50 per million = 1,275 µUSD.
	if rec := g.lastRecord(k.UserID, 1, "/openai/v1/chat/completions"); rec.Cost != 1275 || rec.TokensIn != 2000 {
		t.Fatalf("audit record %+v", rec)
	}

	u.openai.Enqueue(fakeupstream.Reply{Chunks: []string{"He", "llo"}, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 2}})
	stream := client.Chat.Completions.NewStreaming(ctx, params)
	var text strings.Builder
	for stream.Next() {
		chunk := stream.Current()
		if len(chunk.Choices) == 0 {
			t.Fatalf("the client got the usage chunk it did not ask for: %s", chunk.RawJSON())
		}
		text.WriteString(chunk.Choices[0].Delta.Content)
	}
	if err := stream.Err(); err != nil || text.String() != "Hello" {
		t.Fatalf("stream: %q %v", text.String(), err)
	}
	if body := string(u.openai.Requests()[1].Body); !strings.Contains(body, `"include_usage":true`) {
		t.Fatalf("the gateway did not ask for usage: %s", body)
	}
	// 10 × $0.75 + 2 × $4.50 = 16.5 → 17 µUSD.
	if rec := g.lastRecord(k.UserID, 2, "/openai/v1/chat/completions"); rec.Cost != 17 || rec.TokensOut != 2 {
		t.Fatalf("stream audit record %+v", rec)
	}

	u.openai.Enqueue(fakeupstream.Reply{Status: 429, ErrorType: "rate_limit_exceeded", ErrorMessage: "Slow down"})
	_, err = client.Chat.Completions.New(ctx, params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "rate_limit_exceeded" {
		t.Fatalf("provider error reached the SDK as %T %v", err, err)
	}
}

func TestDropInGovernance(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`tier developer {
			cap_usd 0.01
		}
		passthrough_max_body 1KiB`))
	k := g.userWithKey("angel", "read", "write")
	call := func(key, method, path, body string, header map[string]string) (int, string) {
		req, _ := http.NewRequest(method, g.base+path, strings.NewReader(body))
		for name, v := range header {
			req.Header.Set(name, v)
		}
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		req.Header.Set("Anthropic-Version", "2023-06-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	msg := `{"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range []struct {
		name, key, method, path, body string
		status                        int
		code                          string
	}{
		{"no key", "", "POST", "/anthropic/v1/messages", msg, 401, "missing_api_key"},
		{"bad key", "kn_live_00000000000000000000000000000000", "POST", "/anthropic/v1/messages", msg, 401, "invalid_api_key"},
		{"path not allowed", k.Key, "POST", "/anthropic/v1/files", msg, 404, "not_found"},
		{"body too large", k.Key, "POST", "/anthropic/v1/messages", `{"x":"` + strings.Repeat("a", 2048) + `"}`, 413, "body_too_large"},
		// opus: 100,000 output tokens at $20 per million is past the $0.01 cap.
		{"cap", k.Key, "POST", "/anthropic/v1/messages", `{"model":"claude-opus-5-5","max_tokens":100000,"messages":[]}`, 429, "usage_cap_reached"},
	} {
		status, body := call(tc.key, tc.method, tc.path, tc.body, nil)
		if status != tc.status || !strings.Contains(body, `"error":"`+tc.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
	}
	readOnly := g.userWithKey("reader", "read")
	if status, body := call(readOnly.Key, "POST", "/anthropic/v1/messages", msg, nil); status != 403 {
		t.Errorf("read-only key: %d %s", status, body)
	}
	if u.anthropic.Calls() != 0 {
		t.Fatalf("%d refused calls reached the provider", u.anthropic.Calls())
	}

	// BYOK: the caller's key goes up instead of ours, and the fee is billed.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "ok", Usage: fakeupstream.Usage{InputTokens: 1000000, OutputTokens: 1000000}})
	status, body := call(k.Key, "POST", "/anthropic/v1/messages", msg, map[string]string{"X-Kaine-Provider-Key": "sk-ant-own-SECRET"})
	if status != 200 || u.anthropic.Requests()[0].Header.Get("X-Api-Key") != "sk-ant-own-SECRET" {
		t.Fatalf("byok: %d %s, upstream key %q", status, body, u.anthropic.Requests()[0].Header.Get("X-Api-Key"))
	}
	if rec := g.lastRecord(k.UserID, 4, "/anthropic/v1/messages"); rec.Cost != 500 {
		t.Fatalf("byok audit record %+v", rec)
	}
	// Token counting is forwarded and free.
	u.anthropic.Enqueue(fakeupstream.Reply{})
	count := `{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}` // no max_tokens: the API refuses it here
	if status, _ := call(k.Key, "POST", "/anthropic/v1/messages/count_tokens", count, nil); status != 200 {
		t.Errorf("count_tokens: %d", status)
	}
}

func TestDropInStreamsEventByEventAndCancels(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	gate := make(chan struct{})
	defer close(gate)
	u.anthropic.Enqueue(fakeupstream.Reply{Chunks: []string{"first ", "second ", "third"}, PauseAfter: 1, Gate: gate,
		Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 50}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := anthropicSDK(g, k.Key)
	stream := client.Messages.NewStreaming(ctx, anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}})
	for stream.Next() {
		if ev := stream.Current(); ev.Type == "content_block_delta" {
			if ev.Delta.Text != "first " {
				t.Fatalf("first delta %q", ev.Delta.Text)
			}
			break // the upstream still holds the rest behind the gate
		}
	}
	cancel()
	stream.Close()
	// The cancel reaches the upstream: its handler sees the request end.
	deadline := time.Now().Add(5 * time.Second)
	for u.anthropic.Open() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := u.anthropic.Open(); n != 0 {
		t.Fatalf("%d upstream requests still open after the client cancelled", n)
	}
	// Billed for the input (from message_start) and the text delivered: never $0.
	rec := g.lastRecord(k.UserID, 1, "/anthropic/v1/messages")
	if rec.TokensIn != 100 || rec.TokensOut < 1 || rec.Cost == 0 || rec.Error != "client_closed_request" {
		t.Fatalf("cancelled stream audit record %+v", rec)
	}
}

func TestGeminiThroughTheDropInRoute(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	post := func(path, body string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", g.base+path, strings.NewReader(body))
		req.Header.Set("X-Goog-Api-Key", k.Key) // where go-genai puts the key
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(data)
	}
	body := `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":100}}`
	u.google.Enqueue(fakeupstream.Reply{Text: "Hello", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100, Thoughts: 100}})
	resp, data := post("/google/v1beta/models/gemini-2.5-flash-lite:generateContent", body)
	if resp.StatusCode != 200 || !strings.Contains(data, `"text":"Hello"`) {
		t.Fatalf("generateContent: %d %s", resp.StatusCode, data)
	}
	seen := u.google.Requests()[0]
	if seen.Header.Get("X-Goog-Api-Key") != "test-google-key" || string(seen.Body) != body {
		t.Fatalf("upstream got key %q and body %s; want ours and the client's body unchanged", seen.Header.Get("X-Goog-Api-Key"), seen.Body)
	}
	// gemini-flash: 1000 × 0.10 + (100 + 100 thoughts) × 0.40 = 180 µUSD.
	if rec := g.lastRecord(k.UserID, 1, "/google/v1beta/models/gemini-2.5-flash-lite:generateContent"); rec.Cost != 180 || rec.TokensOut != 200 {
		t.Fatalf("audit record %+v", rec)
	}

	u.google.Enqueue(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 5}})
	resp, data = post("/google/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse", body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") || strings.Count(data, "data: ") != 2 {
		t.Fatalf("stream: %d %v %s", resp.StatusCode, resp.Header, data)
	}
	if got := u.google.Requests()[1].RawQuery; got != "alt=sse" {
		t.Fatalf("upstream query %q", got)
	}
	// 10 × 0.10 + 5 × 0.40 = 3 µUSD.
	if rec := g.lastRecord(k.UserID, 2, "/google/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent"); rec.Cost != 3 {
		t.Fatalf("stream audit record %+v", rec)
	}
	// A model with no price cannot be metered, so it is not served (and a
	// model's snapshot is priced as the model).
	resp, data = post("/google/v1beta/models/gemini-9-ultra:generateContent", body)
	if resp.StatusCode != 400 || !strings.Contains(data, `"invalid_field"`) || !strings.Contains(data, `gemini-9-ultra`) || len(u.google.Requests()) != 2 {
		t.Fatalf("unknown model: %d %s, upstream saw %d requests", resp.StatusCode, data, len(u.google.Requests()))
	}
	if rec := g.lastRecord(k.UserID, 3, "/google/v1beta/models/gemini-9-ultra:generateContent"); rec.Status != 400 || rec.Error != "invalid_field" || rec.Cost != 0 {
		t.Fatalf("unknown model audit record %+v", rec)
	}
}

// An endpoint the operator allowed answers in a shape the meter does not
// know, and a generation answer may come without its usage: either way the
// call is billed nothing, audited with the reason, and counted.
func TestDropInUnreadableUsageIsAuditedAndCounted(t *testing.T) {
	weird := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/rerank" {
			io.WriteString(w, `{"object":"list","results":[{"index":0,"relevance_score":0.9}]}`)
			return
		}
		io.WriteString(w, `{"object":"chat.completion","model":"embed-1","choices":[{"message":{"role":"assistant","content":"hi"}}]}`)
	}))
	defer weird.Close()
	g := startGateway(t, fmt.Sprintf(`provider vectors {
			protocol openai
			base_url %s/v1
			model embed-1
			passthrough_allow POST /rerank
		}`, weird.URL))
	k := g.userWithKey("angel", "write")
	for i, c := range []struct{ path, body, answer, note string }{
		{"/vectors/v1/rerank", `{"model":"embed-1","query":"hi","documents":["a"]}`, "relevance_score", "endpoint_not_metered"},
		{"/vectors/v1/chat/completions", `{"model":"embed-1","messages":[{"role":"user","content":"hi"}]}`, "chat.completion", "usage_unreadable"},
	} {
		status, _, data := g.doRaw("POST", c.path, k.Key, c.body)
		if status != 200 || !strings.Contains(string(data), c.answer) {
			t.Fatalf("%s: %d %s", c.path, status, data)
		}
		rec := g.lastRecord(k.UserID, i+1, c.path)
		if rec.Cost != 0 || rec.Note != c.note || rec.Status != 200 || rec.Provider != "vectors" {
			t.Fatalf("%s: audit record %+v", c.path, rec)
		}
		if got := metricValue(t, g, `kaine_passthrough_unmetered_total{provider="vectors",reason="`+c.note+`"}`); got != "1" {
			t.Fatalf("unmetered metric for %s: %q", c.note, got)
		}
	}
}

func TestDropInStreamCutByTheProviderIsBilled(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	u.openai.Enqueue(fakeupstream.Reply{Chunks: []string{"one ", "two ", "three"}, CutAfter: 2, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 3}})
	req, _ := http.NewRequest("POST", g.base+"/openai/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-5.4","stream":true,"messages":[{"role":"user","content":"count"}]}`))
	req.Header.Set("Authorization", "Bearer "+k.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body) // ends in an error: the stream was cut
	resp.Body.Close()
	rec := g.lastRecord(k.UserID, 1, "/openai/v1/chat/completions")
	if rec.Cost == 0 || rec.TokensOut == 0 || rec.Note != "" {
		t.Fatalf("a cut stream was billed as %+v; want the input and delivered text", rec)
	}
	// Dot segments never pass the allow-list.
	req, _ = http.NewRequest("GET", g.base+"/openai/v1/models/..", nil)
	req.Header.Set("Authorization", "Bearer "+k.Key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("GET /openai/v1/models/..: %d, want 404", resp.StatusCode)
	}
}

func TestDropInIsMeteredAsWhatIsServed(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	send := func(body string) int {
		req, _ := http.NewRequest("POST", g.base+"/openai/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+k.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := send(`{"model":"gpt-5.4-mini","model":"gpt-5.4","messages":[]}`); status != 400 || u.openai.Calls() != 0 {
		t.Fatalf("a doubled model: %d, %d upstream calls; want 400 and none", status, u.openai.Calls())
	}
	// Asked for gpt-mini, answered by gpt: billed as gpt, 1000 × 2.50 + 1000 × 15 = 17,500 µUSD.
	u.openai.Enqueue(fakeupstream.Reply{Text: "x", Model: "gpt-5.4-2026-03-05", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 1000}})
	if status := send(`{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"hi"}]}`); status != 200 {
		t.Fatalf("status %d", status)
	}
	if rec := g.lastRecord(k.UserID, 2, "/openai/v1/chat/completions"); rec.Cost != 17_500 {
		t.Fatalf("audit record %+v; want the served model's price", rec)
	}
}
