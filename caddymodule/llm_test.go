package caddymodule

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// upstreams is one fake server per built-in provider, so each counts its
// own calls.
type upstreams struct {
	anthropic, google, openai *fakeupstream.Server
}

func newUpstreams(t *testing.T) upstreams {
	t.Helper()
	u := upstreams{fakeupstream.New(), fakeupstream.New(), fakeupstream.New()}
	t.Cleanup(func() { u.anthropic.Close(); u.google.Close(); u.openai.Close() })
	return u
}

// providers is the kaine-block config pointing the three providers at the fakes.
func (u upstreams) providers(extra string) string {
	return fmt.Sprintf(`provider anthropic {
			api_key test-anthropic-key
			base_url %s
			timeout 2s
		}
		provider google {
			api_key test-google-key
			base_url %s
		}
		provider openai {
			api_key test-openai-key
			base_url %s/v1
		}
		%s`, u.anthropic.URL, u.google.URL, u.openai.URL, extra)
}

type llmAnswer struct {
	OK            bool    `json:"ok"`
	Text          string  `json:"text"`
	Provider      string  `json:"provider"`
	Model         string  `json:"model"`
	UpstreamModel string  `json:"upstream_model"`
	TokensIn      int64   `json:"tokens_in"`
	TokensOut     int64   `json:"tokens_out"`
	CostUSD       float64 `json:"cost_usd"`
}

func (g *gateway) llm(key string, body map[string]any) (int, http.Header, llmAnswer, []byte) {
	g.t.Helper()
	status, h, raw := g.do("POST", g.base+"/v1/llm", key, body)
	var a llmAnswer
	if status == 200 {
		if err := json.Unmarshal(raw, &a); err != nil {
			g.t.Fatalf("answer %s: %v", raw, err)
		}
	}
	return status, h, a, raw
}

func TestLLMRoutesAnswersAndMeters(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	u.google.Default(fakeupstream.Reply{Text: "AI that books your meetings.", Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 14}})

	status, h, a, raw := g.llm(k.Key, map[string]any{"prompt": "Write a line", "task_type": "summarize", "max_tokens": 80})
	if status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	var keys map[string]any
	json.Unmarshal(raw, &keys)
	for _, f := range []string{"ok", "text", "provider", "model", "upstream_model", "tokens_in", "tokens_out", "cost_usd"} {
		if _, ok := keys[f]; !ok {
			t.Errorf("answer lacks %q: %s", f, raw)
		}
	}
	// gemini-flash: $0.10 / $0.40 per million → 18×0.10 + 14×0.40 = 7.4 µUSD, rounded up to 8.
	want := llmAnswer{OK: true, Text: "AI that books your meetings.", Provider: "google", Model: "gemini-flash",
		UpstreamModel: "gemini-2.5-flash-lite", TokensIn: 18, TokensOut: 14, CostUSD: 0.000008}
	if a != want {
		t.Fatalf("answer %+v\nwant   %+v", a, want)
	}
	if h.Get("X-Kaine-Provider") != "google" || h.Get("X-Kaine-Model") != "gemini-flash" || h.Get("X-Kaine-Cost-USD") != "0.000008" || h.Get("X-Kaine-Overhead-Ms") == "" {
		t.Fatalf("headers %v", h)
	}
	req := u.google.Requests()[0]
	if req.Header.Get("x-goog-api-key") != "test-google-key" || !strings.Contains(req.Path, "gemini-2.5-flash-lite:generateContent") {
		t.Fatalf("upstream request %s %v", req.Path, req.Header)
	}

	// Anything else goes to Sonnet, whose model refuses temperature: none is sent.
	u.anthropic.Default(fakeupstream.Reply{Text: "Hello.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 500}})
	status, _, a, raw = g.llm(k.Key, map[string]any{"prompt": "Write a line", "task_type": "short_copy"})
	if status != 200 || a.Provider != "anthropic" || a.Model != "sonnet" || a.CostUSD != 0.007 {
		t.Fatalf("default route: %d %s", status, raw)
	}
	if body := string(u.anthropic.Requests()[0].Body); strings.Contains(body, "temperature") || !strings.Contains(body, `"max_tokens":1024`) {
		t.Fatalf("anthropic body %s", body)
	}

	g.waitForRecords(k.UserID, 2)
	recs, err := activeApp(t).runtime.audit.Query(k.UserID, "/v1/llm", 10)
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit %v %v", recs, err)
	}
	if r := recs[1]; r.Provider != "google" || r.Model != "gemini-2.5-flash-lite" || r.TokensIn != 18 || r.TokensOut != 14 || r.Cost != 8 || r.Status != 200 {
		t.Fatalf("audit record %+v", r)
	}
	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != 8+7000 {
		t.Fatalf("ledger holds %d µUSD, want %d", used, 8+7000)
	}
}

func TestLLMFailsOver(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	u.openai.Default(fakeupstream.Reply{Text: "from openai", Usage: fakeupstream.Usage{InputTokens: 5, OutputTokens: 5}})

	u.anthropic.Enqueue(fakeupstream.Reply{Status: 500, ErrorType: "api_error", ErrorMessage: "Internal server error"})
	if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "openai" || a.Text != "from openai" {
		t.Fatalf("after a 500: %d %s", status, raw)
	}
	u.anthropic.Enqueue(fakeupstream.Reply{Hang: true})
	start := time.Now()
	if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "openai" {
		t.Fatalf("after a timeout: %d %s", status, raw)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("the timeout took %v", waited)
	}
	u.anthropic.Enqueue(fakeupstream.Reply{Status: 400, ErrorType: "invalid_request_error", ErrorMessage: "prompt is too long"})
	openaiCalls := u.openai.Calls()
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "hi"})
	wantError(t, status, h, raw, 400, "invalid_field")
	if u.openai.Calls() != openaiCalls || !strings.Contains(string(raw), "prompt is too long") {
		t.Fatalf("a caller's 400 failed over or lost its message: %s", raw)
	}
}

func TestLLMFailsOverFromARefusedConnection(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, fmt.Sprintf(`provider anthropic {
			api_key test-anthropic-key
			base_url %s
		}
		provider openai {
			api_key test-openai-key
			base_url %s/v1
		}`, fakeupstream.RefusedURL(), u.openai.URL))
	k := g.userWithKey("angel", "write")
	u.openai.Default(fakeupstream.Reply{Text: "ok"})
	if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "openai" {
		t.Fatalf("%d %s", status, raw)
	}
}

func TestLLMAllProvidersFailing(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	for _, s := range []*fakeupstream.Server{u.anthropic, u.google, u.openai} {
		s.Default(fakeupstream.Reply{Status: 503, ErrorType: "overloaded", ErrorMessage: "busy"})
	}
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "hi"})
	wantError(t, status, h, raw, 500, "provider_error")
	for _, p := range []string{"anthropic", "openai", "google"} {
		if !strings.Contains(string(raw), p) {
			t.Errorf("message does not name %s: %s", p, raw)
		}
	}
	if strings.Contains(string(raw), "test-") {
		t.Fatalf("message leaks a key: %s", raw)
	}
	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != 0 {
		t.Fatalf("a failed call cost %d", used)
	}

	u.anthropic.Default(fakeupstream.Reply{Text: ""})
	status, h, _, raw = g.llm(k.Key, map[string]any{"prompt": "hi"})
	wantError(t, status, h, raw, 500, "generation_failed")
}

func TestLLMBreakerOpensAndCloses(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`routing {
			breaker_failures 2
			breaker_open 500ms
		}`))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Default(fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"})
	u.openai.Default(fakeupstream.Reply{Text: "ok"})
	for i := 0; i < 2; i++ {
		if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "openai" {
			t.Fatalf("call %d: %d %s", i, status, raw)
		}
	}
	calls := u.anthropic.Calls()
	for i := 0; i < 3; i++ {
		g.llm(k.Key, map[string]any{"prompt": "hi"})
	}
	if u.anthropic.Calls() != calls {
		t.Fatalf("an open breaker let %d calls through", u.anthropic.Calls()-calls)
	}
	anthropic := providerStatus(g, k.Key, "anthropic")
	if anthropic["breaker"] != "open" || anthropic["available"] != false || anthropic["configured"] != true {
		t.Fatalf("/v1/providers with an open breaker: %v", anthropic)
	}
	if got := metricValue(t, g, `kaine_provider_breaker_state{provider="anthropic"}`); got != "2" {
		t.Fatalf("breaker metric %q, want 2", got)
	}

	time.Sleep(600 * time.Millisecond)
	u.anthropic.Default(fakeupstream.Reply{Text: "back"})
	if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "anthropic" {
		t.Fatalf("half-open probe: %d %s", status, raw)
	}
	if s := providerStatus(g, k.Key, "anthropic")["breaker"]; s != "closed" {
		t.Fatalf("breaker %v after a good probe", s)
	}
}

// A breaker counts one upstream's failures: a reload that moves the
// provider to another base URL starts it closed, and one that keeps the
// base URL keeps it open.
func TestBreakerFollowsTheProvidersBaseURL(t *testing.T) {
	u := newUpstreams(t)
	const breakerSettings = `routing {
			breaker_failures 2
			breaker_open 1m
		}`
	g := startGateway(t, u.providers(breakerSettings))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Default(fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"})
	u.openai.Default(fakeupstream.Reply{Text: "ok"})
	for i := 0; i < 2; i++ {
		g.llm(k.Key, map[string]any{"prompt": "hi"})
	}
	if s := providerStatus(g, k.Key, "anthropic")["breaker"]; s != "open" {
		t.Fatalf("breaker %v after 2 failures", s)
	}

	g.load(g.config + "\n") // the same upstream: the breaker stays open
	if s := providerStatus(g, k.Key, "anthropic")["breaker"]; s != "open" {
		t.Fatalf("breaker %v after a reload to the same upstream", s)
	}

	moved := fakeupstream.New()
	t.Cleanup(moved.Close)
	moved.Default(fakeupstream.Reply{Text: "from the new upstream"})
	g.load(strings.Replace(g.config, "base_url "+u.anthropic.URL, "base_url "+moved.URL, 1))
	if s := providerStatus(g, k.Key, "anthropic")["breaker"]; s != "closed" {
		t.Fatalf("breaker %v after the provider moved to another upstream", s)
	}
	if status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi"}); status != 200 || a.Provider != "anthropic" || a.Text != "from the new upstream" {
		t.Fatalf("call after the move: %d %s", status, raw)
	}
}

func providerStatus(g *gateway, key, name string) map[string]any {
	g.t.Helper()
	status, _, raw := g.do("GET", g.base+"/v1/providers", key, nil)
	if status != 200 {
		g.t.Fatalf("/v1/providers: %d %s", status, raw)
	}
	var s struct {
		Providers []map[string]any `json:"providers"`
		Routing   map[string]any   `json:"routing"`
	}
	if err := json.Unmarshal(raw, &s); err != nil || s.Routing["auto"] == nil {
		g.t.Fatalf("/v1/providers %s: %v", raw, err)
	}
	for _, p := range s.Providers {
		if p["name"] == name {
			return p
		}
	}
	g.t.Fatalf("/v1/providers has no %s: %s", name, raw)
	return nil
}

// metricValue reads one sample from the admin endpoint's /metrics.
func metricValue(t *testing.T, g *gateway, series string) string {
	t.Helper()
	status, _, raw := g.do("GET", g.admin+"/metrics", "", nil)
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func TestLLMBYOK(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	u := newUpstreams(t)
	logFile := t.TempDir() + "/kaine.log"
	g := startGatewayWithGlobal(t, fmt.Sprintf("log {\n\t\toutput file %s\n\t\tlevel DEBUG\n\t}", logFile), fmt.Sprintf(`provider anthropic {
			api_key ""
			base_url %s
		}`, u.anthropic.URL))
	k := g.userWithKey("angel", "read", "write")
	const byoKey = "sk-ant-caller-own-SECRET-4242"
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "A haiku.", Usage: fakeupstream.Usage{InputTokens: 10000, OutputTokens: 10000}})
	status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "Write a haiku", "byo_key": byoKey})
	if status != 200 || a.Provider != "anthropic" || a.CostUSD != 0.0005 {
		t.Fatalf("byok call: %d %s", status, raw)
	}
	if got := u.anthropic.Requests()[0].Header.Get("x-api-key"); got != byoKey {
		t.Fatalf("upstream got key %q", got)
	}
	u.anthropic.Enqueue(fakeupstream.Reply{Status: 401, ErrorType: "authentication_error", ErrorMessage: "invalid x-api-key " + byoKey})
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "again", "byo_key": byoKey})
	wantError(t, status, h, raw, 400, "invalid_field")
	if strings.Contains(string(raw), "SECRET") {
		t.Fatalf("error echoes the key: %s", raw)
	}
	// Without a key of its own the gateway cannot serve anthropic.
	status, h, _, raw = g.llm(k.Key, map[string]any{"prompt": "hi", "provider": "anthropic"})
	wantError(t, status, h, raw, 400, "invalid_provider")

	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != 500 {
		t.Fatalf("ledger %d µUSD, want the one fee of 500", used)
	}
	g.waitForRecords(k.UserID, 3)
	audit, _ := json.Marshal(g.audit(k.Key, ""))
	activeApp(t).runtime.flush()
	for name, path := range map[string]string{"database": g.storage, "log": logFile} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "SECRET-4242") {
			t.Errorf("the BYOK key is in the %s", name)
		}
	}
	if strings.Contains(string(audit), "SECRET") {
		t.Error("the BYOK key is in the audit log")
	}
}

func TestLLMStreamsDeltasAsTheyArrive(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	gate := make(chan struct{})
	u.anthropic.Enqueue(fakeupstream.Reply{Chunks: []string{"Hel", "lo ", "world"}, PauseAfter: 1, Gate: gate,
		Usage: fakeupstream.Usage{InputTokens: 12, OutputTokens: 3}})

	body := strings.NewReader(`{"prompt":"hi","stream":true}`)
	req, _ := http.NewRequest("POST", g.base+"/v1/llm", body)
	req.Header.Set("Authorization", "Bearer "+k.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-Kaine-Provider") != "anthropic" {
		t.Fatalf("stream answer %d %v", resp.StatusCode, resp.Header)
	}
	events := bufio.NewReader(resp.Body)
	first := readEvent(t, events)
	if first.name != "delta" || first.data != `{"text":"Hel"}` {
		t.Fatalf("first event %+v", first)
	}
	close(gate) // the upstream was still holding the rest: the first delta came before it finished
	var text strings.Builder
	text.WriteString("Hel")
	var done llmAnswer
	for {
		ev := readEvent(t, events)
		if ev.name == "delta" {
			var d struct{ Text string }
			json.Unmarshal([]byte(ev.data), &d)
			text.WriteString(d.Text)
			continue
		}
		if ev.name != "done" {
			t.Fatalf("event %+v", ev)
		}
		json.Unmarshal([]byte(ev.data), &done)
		break
	}
	// sonnet: 12 × $2 + 3 × $10 per million = 54 µUSD.
	if text.String() != "Hello world" || done.TokensIn != 12 || done.TokensOut != 3 || done.CostUSD != 0.000054 || done.Model != "sonnet" {
		t.Fatalf("text %q, done %+v", text.String(), done)
	}
	if _, err := events.ReadByte(); err == nil {
		t.Fatal("data after the done event")
	}
	if resp.Trailer.Get("X-Kaine-Cost-USD") != "0.000054" {
		t.Fatalf("trailers %v", resp.Trailer)
	}
	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != money.MicroUSD(54) {
		t.Fatalf("ledger %d µUSD, want 54", used)
	}
}

type sseEvent struct{ name, data string }

func readEvent(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (so far %+v)", err, ev)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[len("data: "):]
		}
	}
}

func TestLLMOnALocalOpenAICompatibleServer(t *testing.T) {
	local := fakeupstream.New()
	defer local.Close()
	local.KeyOptional = true
	local.Default(fakeupstream.Reply{Text: "from llama", Usage: fakeupstream.Usage{InputTokens: 7, OutputTokens: 3}})
	g := startGateway(t, fmt.Sprintf(`provider local {
			protocol openai
			base_url %s/v1
			model llama3.2
		}`, local.URL))
	k := g.userWithKey("angel", "write")
	status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi", "provider": "local"})
	if status != 200 || a.Provider != "local" || a.Model != "llama3.2" || a.Text != "from llama" || a.TokensIn != 7 || a.CostUSD != 0 {
		t.Fatalf("%d %s", status, raw)
	}
	req := local.Requests()[0]
	if req.Header.Get("Authorization") != "" || !strings.Contains(string(req.Body), `"model":"llama3.2"`) {
		t.Fatalf("local request %v %s", req.Header, req.Body)
	}
}

func TestLLMRefusesBadInput(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`tier developer {
			cap_usd 0.01
		}`))
	k := g.userWithKey("angel", "read", "write")
	for _, tc := range []struct {
		body   any
		status int
		code   string
	}{
		{map[string]any{}, 400, "missing_fields"},
		{map[string]any{"prompt": 7}, 400, "invalid_field"},
		{map[string]any{"prompt": "x", "max_tokens": "many"}, 400, "invalid_field"},
		{map[string]any{"prompt": "x", "temperature": 9}, 400, "invalid_field"},
		{map[string]any{"prompt": "x", "provider": "mistral"}, 400, "invalid_provider"},
		{map[string]any{"prompt": "x", "byo_key": "k", "byo_provider": "mistral"}, 400, "invalid_provider"},
		{map[string]any{"prompt": "x", "model": "gpt-9"}, 400, "invalid_field"},
		{[]int{1}, 400, "invalid_json"},
		// Opus at $20 per million output: 100,000 tokens could cost $2, over the $0.01 cap.
		{map[string]any{"prompt": "x", "model": "opus", "max_tokens": 100000}, 429, "usage_cap_reached"},
	} {
		status, h, raw := g.do("POST", g.base+"/v1/llm", k.Key, tc.body)
		wantError(t, status, h, raw, tc.status, tc.code)
	}
	status, h, raw := g.doRaw("POST", "/v1/llm", k.Key, `{"prompt": "x",`)
	wantError(t, status, h, raw, 400, "invalid_json")
	status, h, raw = g.doRaw("POST", "/v1/llm", k.Key, `{"prompt":"`+strings.Repeat("a", 2<<20)+`"}`)
	wantError(t, status, h, raw, 413, "body_too_large")
	for _, s := range []*fakeupstream.Server{u.anthropic, u.google, u.openai} {
		if s.Calls() != 0 {
			t.Fatal("a refused call reached a provider")
		}
	}
	readOnly := g.userWithKey("reader", "read")
	status, h, raw = g.do("POST", g.base+"/v1/llm", readOnly.Key, map[string]any{"prompt": "x"})
	wantError(t, status, h, raw, 403, "insufficient_scope")
}

func TestLLMWithNoProviderConfigured(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv("GEMINI_API_KEY", "")
	t.Setenv("OPENAI_API_KEY", "")
	g := startGateway(t, "")
	k := g.userWithKey("angel", "write")
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "hi"})
	wantError(t, status, h, raw, 500, "provider_error")
	if !strings.Contains(string(raw), "API key") {
		t.Fatalf("message does not say what is missing: %s", raw)
	}
}

// A caller who pins a provider (or a model) whose provider has no key asked
// for something this gateway cannot serve: a 400 naming who can, never a
// provider_error, and no upstream call. The drop-in route of such a
// provider says the same.
func TestPinningAProviderWithoutAKeyIsInvalidProvider(t *testing.T) {
	t.Setenv("GEMINI_API_KEY", "")
	u := newUpstreams(t)
	g := startGateway(t, fmt.Sprintf(`provider anthropic {
			api_key test-anthropic-key
			base_url %s
		}
		provider google {
			base_url %s
		}
		provider openai {
			api_key test-openai-key
			base_url %s/v1
		}`, u.anthropic.URL, u.google.URL, u.openai.URL))
	k := g.userWithKey("angel", "read", "write")
	for _, body := range []map[string]any{
		{"prompt": "hi", "provider": "google"},
		{"prompt": "hi", "model": "gemini-flash"},
		{"prompt": "hi", "provider": "google", "model": "gemini-flash"},
	} {
		status, h, _, raw := g.llm(k.Key, body)
		wantError(t, status, h, raw, 400, "invalid_provider")
		if msg := string(raw); !strings.Contains(msg, "anthropic, openai") || !strings.Contains(msg, "byo_key") {
			t.Fatalf("%v: message does not name the providers that can serve it: %s", body, raw)
		}
	}
	status, h, raw := g.sendWithHeaders("POST", g.base+"/google/v1beta/models/gemini-2.5-flash-lite:generateContent",
		map[string]string{"x-goog-api-key": k.Key}, []byte(`{"contents":[{"parts":[{"text":"hi"}]}]}`))
	wantError(t, status, h, raw, 400, "invalid_provider")
	if !strings.Contains(string(raw), "/anthropic, /openai/v1") {
		t.Fatalf("drop-in message does not name the routes that can serve: %s", raw)
	}
	if u.google.Calls() != 0 {
		t.Fatal("a call reached the provider without a key")
	}
	u.google.Default(fakeupstream.Reply{Text: "Hi."})
	status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi", "provider": "google", "byo_key": "caller-gemini-key"})
	if status != 200 || a.Provider != "google" {
		t.Fatalf("the same call with byo_key: %d %s", status, raw)
	}
}

func TestLLMCostFollowsEachProvidersUsage(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	// Gemini: the prompt count includes cached tokens (billed at the cache
	// price, here the input price since none is listed) and output includes
	// thoughts. gemini-flash: 1000 × 0.10 + 2000 × 0.10 + 150 × 0.40 = 360 µUSD.
	u.google.Enqueue(fakeupstream.Reply{Text: "g", Usage: fakeupstream.Usage{InputTokens: 1000, CacheRead: 2000, OutputTokens: 100, Thoughts: 50}})
	status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "p", "task_type": "summarize"})
	if status != 200 || a.TokensIn != 3000 || a.TokensOut != 150 || a.CostUSD != 0.00036 {
		t.Fatalf("gemini: %d %s", status, raw)
	}
	// OpenAI: prompt_tokens includes cached_tokens, completion_tokens
	// includes reasoning. gpt-mini: 1000 × 0.75 + 1000 × 0.075 + 150 × 4.50 = 1,500 µUSD.
	u.openai.Enqueue(fakeupstream.Reply{Text: "o", Usage: fakeupstream.Usage{InputTokens: 1000, CacheRead: 1000, OutputTokens: 100, Thoughts: 50}})
	status, _, a, raw = g.llm(k.Key, map[string]any{"prompt": "p", "task_type": "summarize", "provider": "openai"})
	if status != 200 || a.TokensIn != 2000 || a.TokensOut != 150 || a.CostUSD != 0.0015 {
		t.Fatalf("openai: %d %s", status, raw)
	}
	if body := string(u.openai.Requests()[0].Body); !strings.Contains(body, `"reasoning_effort":"low"`) || strings.Contains(body, "temperature") {
		t.Fatalf("gpt-mini request %s", body)
	}
	// Anthropic: input_tokens excludes cache reads and writes, each at its
	// price. haiku: 1000 × 1 + 4000 × 0.10 + 2000 × 1.25 + 100 × 5 = 4,400 µUSD.
	const haikuCost = `kaine_llm_cost_usd_total{model="claude-haiku-4-5",provider="anthropic"}`
	before, _ := strconv.ParseFloat(metricValue(t, g, haikuCost), 64) // the registry is the process's: other tests add to it
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "a", Usage: fakeupstream.Usage{InputTokens: 1000, CacheRead: 4000, CacheWrite: 2000, OutputTokens: 100}})
	status, _, a, raw = g.llm(k.Key, map[string]any{"prompt": "p", "model": "haiku"})
	if status != 200 || a.TokensIn != 7000 || a.CostUSD != 0.0044 {
		t.Fatalf("anthropic: %d %s", status, raw)
	}
	after, _ := strconv.ParseFloat(metricValue(t, g, haikuCost), 64)
	if got := math.Round((after-before)*1e6) / 1e6; got != 0.0044 {
		t.Fatalf("cost metric grew by %v, want 0.0044", got)
	}
}

func TestLLMStreamCutMidwayEndsWithAnErrorEventAndIsBilled(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	u.anthropic.Enqueue(fakeupstream.Reply{Chunks: []string{"Hello ", "world"}, CutAfter: 1, Usage: fakeupstream.Usage{InputTokens: 12, OutputTokens: 2}})
	req, _ := http.NewRequest("POST", g.base+"/v1/llm", strings.NewReader(`{"prompt":"hi","stream":true}`))
	req.Header.Set("Authorization", "Bearer "+k.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	if ev := readEvent(t, events); ev.name != "delta" || ev.data != `{"text":"Hello "}` {
		t.Fatalf("first event %+v", ev)
	}
	ev := readEvent(t, events)
	if ev.name != "error" || !strings.Contains(ev.data, `"error":"provider_error"`) || !strings.Contains(ev.data, "anthropic") {
		t.Fatalf("after the cut: %+v", ev)
	}
	// Input from message_start (12), output estimated from the 6 bytes
	// delivered (2 tokens): sonnet 12 × 2 + 2 × 10 = 44 µUSD.
	rec := g.lastRecord(k.UserID, 1, "/v1/llm")
	if rec.Cost != 44 || rec.Error != "provider_error" || rec.TokensIn != 12 || rec.TokensOut != 2 {
		t.Fatalf("audit record %+v", rec)
	}
}

func TestLLMStreamsFromGeminiAndALocalServer(t *testing.T) {
	u := newUpstreams(t)
	local := fakeupstream.New()
	defer local.Close()
	local.KeyOptional = true
	g := startGateway(t, u.providers(fmt.Sprintf(`provider local {
			protocol openai
			base_url %s/v1
			model llama3.2
		}`, local.URL)))
	k := g.userWithKey("angel", "write")
	u.google.Enqueue(fakeupstream.Reply{Chunks: []string{"Sum", "mary"}, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 4}})
	local.Enqueue(fakeupstream.Reply{Chunks: []string{"lo", "cal"}, Usage: fakeupstream.Usage{InputTokens: 3, OutputTokens: 2}})
	for _, tc := range []struct {
		body                string
		text, provider      string
		tokensIn, tokensOut int64
		cost                float64
	}{
		// gemini-flash: 10 × 0.10 + 4 × 0.40 = 2.6 → 3 µUSD.
		{`{"prompt":"p","task_type":"summarize","stream":true}`, "Summary", "google", 10, 4, 0.000003},
		{`{"prompt":"p","provider":"local","stream":true}`, "local", "local", 3, 2, 0},
	} {
		req, _ := http.NewRequest("POST", g.base+"/v1/llm", strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+k.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		events := bufio.NewReader(resp.Body)
		var text strings.Builder
		var done llmAnswer
		for {
			ev := readEvent(t, events)
			if ev.name == "done" {
				json.Unmarshal([]byte(ev.data), &done)
				break
			}
			var d struct{ Text string }
			json.Unmarshal([]byte(ev.data), &d)
			text.WriteString(d.Text)
		}
		resp.Body.Close()
		if text.String() != tc.text || done.Provider != tc.provider || done.TokensIn != tc.tokensIn || done.TokensOut != tc.tokensOut || done.CostUSD != tc.cost {
			t.Errorf("%s: text %q, done %+v", tc.body, text.String(), done)
		}
	}
}
