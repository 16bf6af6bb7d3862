package caddymodule

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// day is today's UTC date moved by days, as a config writes it.
func day(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly) }

// A model whose shutdown day has come is refused before any upstream call,
// on the drop-in route and /v1/llm alike, naming what replaces it; the
// operator can move the day or re-enable the model.
func TestRetiredModelsAreRefusedWithTheirReplacement(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`model gpt-5.4 {
			retires `+day(-1)+`
			replacement gpt-5.4-mini
		}
		model claude-sonnet-4-5 {
			retires never
		}`))
	k := g.userWithKey("angel", "read", "write")

	status, h, data := g.doRaw("POST", "/openai/v1/chat/completions", k.Key, `{"model":"gpt-5.4-2026-03-05","messages":[{"role":"user","content":"hi"}]}`)
	wantError(t, status, h, data, 400, "invalid_field")
	if msg := gjson.GetBytes(data, "detail.message").Str; !strings.Contains(msg, "gpt-5.4 was retired by its provider on "+day(-1)) || !strings.Contains(msg, "use gpt-5.4-mini") {
		t.Fatalf("drop-in refusal: %s", msg)
	}
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "hi", "model": "gpt"})
	wantError(t, status, h, raw, 400, "invalid_field")
	if !strings.Contains(string(raw), "use gpt-5.4-mini") {
		t.Fatalf("/v1/llm refusal: %s", raw)
	}
	if u.openai.Calls() != 0 {
		t.Fatal("a retired model reached the provider")
	}
	// A route skips it: the default route's gpt is gone, the call goes on.
	u.anthropic.Default(fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"})
	u.google.Default(fakeupstream.Reply{Text: "from gemini"})
	if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "google" || u.openai.Calls() != 0 {
		t.Fatalf("auto past a retired model: %d %s", status, raw)
	}

	// Re-enabled by the operator: served and billed at its price.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "still here", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100}})
	status, _, data = g.messages(k.Key, `{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || !strings.Contains(string(data), "still here") {
		t.Fatalf("re-enabled model: %d %s", status, data)
	}
	// 1000 × $3 + 100 × $15 per million.
	if rec := g.lastRecord(k.UserID, 4, "/anthropic/v1/messages"); rec.Cost != 4500 {
		t.Fatalf("re-enabled model's audit record %+v", rec)
	}
}

// A model within 30 days of its shutdown still works, and says so.
func TestDeprecationNoticeHeader(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`model gpt-5.4-mini {
			retires `+day(10)+`
			replacement gpt-6-luna
		}
		model gpt-5.4 {
			retires `+day(45)+`
		}`))
	k := g.userWithKey("angel", "read", "write")
	u.openai.Default(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 2}})
	want := day(10) + "; replacement=gpt-6-luna"

	status, h, data := g.doRaw("POST", "/openai/v1/chat/completions", k.Key, `{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || h.Get("X-Kaine-Model-Deprecation") != want {
		t.Fatalf("drop-in: %d, deprecation %q, want %q: %s", status, h.Get("X-Kaine-Model-Deprecation"), want, data)
	}
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "hi", "model": "gpt-mini"})
	if status != 200 || h.Get("X-Kaine-Model-Deprecation") != want {
		t.Fatalf("/v1/llm: %d, deprecation %q: %s", status, h.Get("X-Kaine-Model-Deprecation"), raw)
	}
	status, h, _ = g.do("POST", g.base+"/v1/llm", k.Key, map[string]any{"prompt": "hi", "model": "gpt-mini", "stream": true})
	if status != 200 || h.Get("X-Kaine-Model-Deprecation") != want {
		t.Fatalf("/v1/llm stream: %d, deprecation %q", status, h.Get("X-Kaine-Model-Deprecation"))
	}
	// 45 days out: no notice yet.
	status, h, _ = g.doRaw("POST", "/openai/v1/chat/completions", k.Key, `{"model":"gpt-5.4","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || h.Get("X-Kaine-Model-Deprecation") != "" {
		t.Fatalf("45 days before: %d, deprecation %q", status, h.Get("X-Kaine-Model-Deprecation"))
	}
	if p := providerStatus(g, k.Key, "openai"); !strings.Contains(jsonOf(t, p), `"retires":"`+day(10)+`"`) {
		t.Fatalf("/v1/providers does not show the shutdown day: %v", p)
	}
}

// A call whose prompt passes a model's long-prompt threshold is billed at
// the dearer tier, and the reservation assumes that tier as soon as the
// request could pass it.
func TestLongPromptTierThroughTheGateway(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`tier developer {
			cap_usd 0.05
		}`))
	k := g.userWithKey("angel", "read", "write")
	body := func(promptBytes int) string {
		return `{"model":"claude-haiku-5-5","max_tokens":1000,"messages":[{"role":"user","content":"` + strings.Repeat("a", promptBytes) + `"}]}`
	}
	// Over 100K prompt tokens: 90,001 fresh + 10,000 cached × $0.50 and $0.05, 1,000 out × $2.50 per million.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "long", Usage: fakeupstream.Usage{InputTokens: 90_001, CacheRead: 10_000, OutputTokens: 1000}})
	if status, _, data := g.messages(k.Key, body(1000)); status != 200 {
		t.Fatalf("long prompt: %d %s", status, data)
	}
	if rec := g.lastRecord(k.UserID, 1, "/anthropic/v1/messages"); rec.Cost != 45_001+500+2_500 {
		t.Fatalf("long prompt billed %d µUSD, want 48,001", rec.Cost)
	}
	// At 100K exactly: 90,000 × $0.10 + 10,000 × $0.01 + 1,000 × $0.50.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "short", Usage: fakeupstream.Usage{InputTokens: 90_000, CacheRead: 10_000, OutputTokens: 1000}})
	if status, _, data := g.messages(k.Key, body(1000)); status != 200 {
		t.Fatalf("threshold prompt: %d %s", status, data)
	}
	if rec := g.lastRecord(k.UserID, 2, "/anthropic/v1/messages"); rec.Cost != 9_000+100+500 {
		t.Fatalf("threshold prompt billed %d µUSD, want 9,600", rec.Cost)
	}
	// That account has spent past its $0.05 cap; the reservations are shown on a fresh one.
	k2 := g.userWithKey("bruno", "read", "write")
	// 150 KB could be 150K tokens: reserved at the long tier, 150,016 × $0.50 + 1,000 × $2.50 = $0.0775, over the cap.
	status, h, data := g.messages(k2.Key, body(150_000))
	wantError(t, status, h, data, 429, "usage_cap_reached")
	// 50 KB cannot pass 100K: reserved at the short tier, about $0.0055, within it.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "fits", Usage: fakeupstream.Usage{InputTokens: 12_500, OutputTokens: 100}})
	if status, _, data := g.messages(k2.Key, body(50_000)); status != 200 {
		t.Fatalf("50 KB prompt: %d %s", status, data)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// messages posts to the Anthropic drop-in route as the SDK does.
func (g *gateway) messages(key, body string) (int, http.Header, []byte) {
	g.t.Helper()
	return g.sendWithHeaders("POST", g.base+"/anthropic/v1/messages", map[string]string{"X-Api-Key": key, "Anthropic-Version": "2023-06-01"}, []byte(body))
}
