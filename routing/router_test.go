package routing

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keinetech/kaine/money"
)

// scriptedClient answers from a list of outcomes, one per call, then repeats
// the last; it records the keys and models it was called with.
type scriptedClient struct {
	mu      sync.Mutex
	replies []scripted
	calls   []string // model ids
	keys    []string
	// refuses is what Refuses answers for a request with a seed.
	refuses error
}

func (c *scriptedClient) Refuses(_ *Model, req Request, _ bool) error {
	if req.Seed != nil {
		return c.refuses
	}
	return nil
}

type scripted struct {
	res    Result
	err    error
	deltas []string      // for Stream: sent before err/res
	pause  time.Duration // before each delta
	block  bool          // wait for the context to end
}

func (c *scriptedClient) next(key string, m *Model) scripted {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, m.ID)
	c.keys = append(c.keys, key)
	s := c.replies[0]
	if len(c.replies) > 1 {
		c.replies = c.replies[1:]
	}
	return s
}

func (c *scriptedClient) Generate(ctx context.Context, key string, m *Model, _ Request) (Result, error) {
	s := c.next(key, m)
	if s.block {
		<-ctx.Done()
		return Result{}, &UpstreamError{Err: ctx.Err()}
	}
	select {
	case <-time.After(s.pause):
	case <-ctx.Done():
		return Result{}, &UpstreamError{Err: ctx.Err()}
	}
	return s.res, s.err
}

func (c *scriptedClient) Stream(ctx context.Context, key string, m *Model, _ Request, onDelta func(Chunk) error) (Result, error) {
	s := c.next(key, m)
	var text strings.Builder
	for _, d := range s.deltas {
		select {
		case <-time.After(s.pause):
		case <-ctx.Done():
			return Result{Text: text.String()}, &UpstreamError{Err: ctx.Err()}
		}
		text.WriteString(d)
		if err := onDelta(Chunk{Text: d}); err != nil {
			return Result{Text: text.String()}, err
		}
	}
	if s.err != nil {
		return Result{Text: text.String()}, s.err
	}
	return s.res, nil
}

func (c *scriptedClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

func ok(text string, in, out int64) scripted {
	return scripted{res: Result{Text: text, Usage: Usage{Input: in, Output: out}, UsageSeen: true}}
}

var (
	down    = scripted{err: &UpstreamError{Status: 500, Type: "api_error", Message: "Internal server error"}}
	refused = scripted{err: &UpstreamError{Status: 400, Type: "invalid_request_error", Message: "prompt is too long"}}
)

type testRouter struct {
	*Router
	clients map[string]*scriptedClient
}

// newTestRouter has the three built-in providers, each with a key unless
// named in unconfigured, answering "hi" until scripted otherwise.
func newTestRouter(t *testing.T, unconfigured ...string) testRouter {
	t.Helper()
	tr := testRouter{clients: map[string]*scriptedClient{}}
	var providers []ProviderConfig
	for _, name := range []string{"anthropic", "google", "openai"} {
		c := &scriptedClient{replies: []scripted{ok("hi", 10, 5)}}
		tr.clients[name] = c
		key := "key-" + name
		for _, u := range unconfigured {
			if u == name {
				key = ""
			}
		}
		providers = append(providers, ProviderConfig{Name: name, Client: c, Key: key, Timeout: time.Second})
	}
	r, err := New(Options{Providers: providers, Rules: DefaultRules(), BYOKFee: 500,
		Breakers: NewBreakers(nil), Breaker: BreakerSettings{Failures: 3, OpenFor: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Router = r
	return tr
}

func (tr testRouter) run(t *testing.T, p Params) (Outcome, error) {
	t.Helper()
	if p.Prompt == "" {
		p.Prompt = "hello"
	}
	if p.MaxTokens == 0 {
		p.MaxTokens = 100
	}
	plan, err := tr.Plan(p)
	if err != nil {
		t.Fatalf("Plan(%+v): %v", p, err)
	}
	var onDelta func(Delta) error
	if p.Stream {
		onDelta = func(Delta) error { return nil }
	}
	return tr.Do(context.Background(), plan, onDelta)
}

func TestRoutesByTaskType(t *testing.T) {
	tr := newTestRouter(t)
	for task, want := range map[string]string{"summarize": "google", "caption": "google", "": "anthropic", "short_copy": "anthropic"} {
		out, err := tr.run(t, Params{TaskType: task})
		if err != nil || out.Provider != want {
			t.Errorf("task %q went to %q (%v), want %s", task, out.Provider, err, want)
		}
	}
	out, _ := tr.run(t, Params{TaskType: "reply"})
	if out.Model.Alias != "gemini-flash" || out.Model.ID != "gemini-2.5-flash-lite" {
		t.Errorf("cheap task used %s (%s)", out.Model.Alias, out.Model.ID)
	}
}

func TestExplicitProviderAndModel(t *testing.T) {
	tr := newTestRouter(t)
	out, err := tr.run(t, Params{Provider: "openai", TaskType: "classify"})
	if err != nil || out.Provider != "openai" || out.Model.Alias != "gpt-mini" {
		t.Fatalf("openai, cheap task: %s %v %v", out.Provider, out.Model, err)
	}
	out, err = tr.run(t, Params{Provider: "openai"})
	if err != nil || out.Model.Alias != "gpt" {
		t.Fatalf("openai, default task: %v %v", out.Model, err)
	}
	out, err = tr.run(t, Params{Model: "haiku"})
	if err != nil || out.Provider != "anthropic" || out.Model.ID != "claude-haiku-4-5" {
		t.Fatalf("model haiku: %s %v %v", out.Provider, out.Model, err)
	}
	for _, p := range []Params{{Provider: "mistral"}, {BYOKKey: "k", BYOKProvider: "mistral"}} {
		if _, err := tr.Plan(p); !errors.Is(err, ErrUnknownProvider) || !strings.Contains(err.Error(), "anthropic, google, openai") {
			t.Errorf("Plan(%+v): %v, want ErrUnknownProvider listing the providers", p, err)
		}
	}
	for _, p := range []Params{{Model: "gpt-9"}, {Model: "haiku", Provider: "google"}} {
		if _, err := tr.Plan(p); !errors.Is(err, ErrUnknownModel) {
			t.Errorf("Plan(%+v): %v, want ErrUnknownModel", p, err)
		}
	}
}

func TestFailsOverOnProviderFailureOnly(t *testing.T) {
	tr := newTestRouter(t)
	tr.clients["anthropic"].replies = []scripted{down, ok("hi", 1, 1)}
	out, err := tr.run(t, Params{})
	if err != nil || out.Provider != "openai" || len(out.Attempts) != 2 || out.Attempts[0].Err == nil {
		t.Fatalf("after anthropic 500: provider %s, attempts %+v, err %v", out.Provider, out.Attempts, err)
	}

	tr.clients["anthropic"].replies = []scripted{refused}
	out, err = tr.run(t, Params{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != RequestRefused || tr.clients["openai"].count() != 1 || out.Cost != 0 {
		t.Fatalf("a 400 must not fail over or cost: err %v, openai calls %d, cost %d", err, tr.clients["openai"].count(), out.Cost)
	}
}

func TestAllProvidersFailedNamesThem(t *testing.T) {
	tr := newTestRouter(t, "google")
	tr.clients["anthropic"].replies = []scripted{down}
	tr.clients["openai"].replies = []scripted{{err: &UpstreamError{Err: errors.New("connection refused")}}}
	out, err := tr.run(t, Params{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != ProvidersFailed || out.Cost != 0 {
		t.Fatalf("err %v, cost %d", err, out.Cost)
	}
	for _, want := range []string{"anthropic (claude-sonnet-5-5): HTTP 500", "openai (gpt-5.4): connection failed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "key-") {
		t.Errorf("error leaks a key: %v", err)
	}
}

func TestFailsOverOn429(t *testing.T) {
	tr := newTestRouter(t)
	tr.clients["anthropic"].replies = []scripted{{err: &UpstreamError{Status: 429, Type: "rate_limit_error", RetryAfter: time.Second}}, ok("hi", 1, 1)}
	if out, err := tr.run(t, Params{}); err != nil || out.Provider != "openai" {
		t.Fatalf("after a 429: %s %v", out.Provider, err)
	}
}

func TestTimeoutBoundsSilenceNotLength(t *testing.T) {
	tr := newTestRouter(t)
	tr.providers["anthropic"].Timeout = 60 * time.Millisecond
	// Five deltas 30 ms apart: 150 ms in all, never 60 ms of silence.
	tr.clients["anthropic"].replies = []scripted{{deltas: []string{"a", "b", "c", "d", "e"}, pause: 30 * time.Millisecond,
		res: Result{Text: "abcde", UsageSeen: true, Usage: Usage{Input: 1, Output: 5}}}}
	if out, err := tr.run(t, Params{Stream: true}); err != nil || out.Provider != "anthropic" {
		t.Fatalf("a long stream that keeps coming: %s %v", out.Provider, err)
	}
	// A stall is cut and named a timeout (pinned to anthropic: no failover).
	tr.clients["anthropic"].replies = []scripted{{deltas: []string{"a", "b"}, pause: 200 * time.Millisecond}}
	_, err := tr.run(t, Params{Stream: true, Provider: "anthropic"})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("a stalled stream: %v", err)
	}
}

func TestTimeoutFailsOver(t *testing.T) {
	tr := newTestRouter(t)
	tr.providers["anthropic"].Timeout = 20 * time.Millisecond
	tr.clients["anthropic"].replies = []scripted{{block: true}, ok("hi", 1, 1)}
	out, err := tr.run(t, Params{})
	if err != nil || out.Provider != "openai" {
		t.Fatalf("after a timeout: %s %v", out.Provider, err)
	}
}

func TestBreakerOpensSkipsAndCloses(t *testing.T) {
	tr := newTestRouter(t)
	tr.clients["anthropic"].replies = []scripted{down}
	for i := 0; i < 3; i++ {
		if out, err := tr.run(t, Params{}); err != nil || out.Provider != "openai" {
			t.Fatalf("call %d: %s %v", i, out.Provider, err)
		}
	}
	if s := tr.providers["anthropic"].breaker.State().String(); s != "open" {
		t.Fatalf("breaker %s after 3 failures, want open", s)
	}
	before := tr.clients["anthropic"].count()
	out, err := tr.run(t, Params{})
	if err != nil || out.Provider != "openai" || tr.clients["anthropic"].count() != before {
		t.Fatalf("open breaker: anthropic was called (%d → %d) or %v", before, tr.clients["anthropic"].count(), err)
	}
	if !errors.Is(out.Attempts[0].Err, errBreakerOpen) {
		t.Fatalf("first attempt %+v, want skipped by the breaker", out.Attempts[0])
	}
	if st := tr.Status(); st.Providers[0].Available || st.Providers[0].Breaker != "open" || st.Routing.DefaultRoute[0].Available {
		t.Fatalf("status with an open breaker: %+v", st.Providers[0])
	}

	time.Sleep(60 * time.Millisecond) // OpenFor: the next call is the half-open probe
	if out, _ := tr.run(t, Params{}); out.Provider != "openai" || tr.providers["anthropic"].breaker.State().String() != "open" {
		t.Fatalf("a failed probe: answered by %s, breaker %s; want openai and open again", out.Provider, tr.providers["anthropic"].breaker.State())
	}
	time.Sleep(60 * time.Millisecond)
	tr.clients["anthropic"].replies = []scripted{ok("back", 1, 1)}
	out, err = tr.run(t, Params{})
	if err != nil || out.Provider != "anthropic" || tr.providers["anthropic"].breaker.State().String() != "closed" {
		t.Fatalf("probe: %s %v, breaker %s", out.Provider, err, tr.providers["anthropic"].breaker.State())
	}
}

func TestCostIsExactFromUsage(t *testing.T) {
	tr := newTestRouter(t)
	// sonnet: $2 in, $10 out, $0.10 cache read (since 2026-10-07), $2.50 5m write, $4 1h write per million.
	tr.clients["anthropic"].replies = []scripted{{res: Result{Text: "x", UsageSeen: true,
		Usage: Usage{Input: 1000, Output: 500, CacheRead: 2000, CacheWrite: 400, CacheWrite1h: 100}}}}
	out, err := tr.run(t, Params{})
	if err != nil {
		t.Fatal(err)
	}
	want := money.MicroUSD(2*1000 + 10*500 + 0.1*2000 + 2.5*400 + 4*100) // 8,600 µUSD
	if out.Cost != want {
		t.Fatalf("cost %d µUSD, want %d", out.Cost, want)
	}
	// gemini-flash at $0.10 / $0.40: 18 in, 14 out = 1.8 + 5.6 = 7.4 → 8 µUSD (rounded up).
	tr.clients["google"].replies = []scripted{ok("x", 18, 14)}
	if out, _ := tr.run(t, Params{TaskType: "summarize"}); out.Cost != 8 {
		t.Fatalf("gemini-flash cost %d µUSD, want 8", out.Cost)
	}
}

func TestEstimateCoversTheDearestCandidate(t *testing.T) {
	tr := newTestRouter(t)
	plan, err := tr.Plan(Params{Request: Request{Prompt: strings.Repeat("a", 984), MaxTokens: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	// gpt ($2.50 / $15) is the dearest on the default route: 1000 × 2.5 + 1000 × 15.
	if plan.Estimate != 17_500 {
		t.Fatalf("estimate %d µUSD, want 17500", plan.Estimate)
	}
}

func TestBYOKUsesTheCallersKeyOnceAndChargesTheFee(t *testing.T) {
	tr := newTestRouter(t, "anthropic") // BYOK works without a gateway key
	tr.clients["anthropic"].replies = []scripted{ok("haiku", 100, 100)}
	out, err := tr.run(t, Params{BYOKKey: "sk-ant-caller"})
	if err != nil || out.Provider != "anthropic" || out.Cost != 500 {
		t.Fatalf("byok: %s cost %d %v", out.Provider, out.Cost, err)
	}
	if keys := tr.clients["anthropic"].keys; len(keys) != 1 || keys[0] != "sk-ant-caller" {
		t.Fatalf("keys sent %v", keys)
	}
	tr.clients["anthropic"].replies = []scripted{{err: &UpstreamError{Status: 401, Auth: true, Message: "the provider refused the API key"}}}
	for i := 0; i < 5; i++ { // more than the breaker's 3
		out, err = tr.run(t, Params{BYOKKey: "sk-ant-caller"})
		var f *Failure
		if !errors.As(err, &f) || f.Kind != KeyRefused || out.Cost != 0 || strings.Contains(err.Error(), "sk-ant") {
			t.Fatalf("refused byok key: %v, cost %d", err, out.Cost)
		}
	}
	tr.clients["anthropic"].replies = []scripted{down}
	for i := 0; i < 5; i++ { // a provider failing on a caller's key is not failing for the gateway
		tr.run(t, Params{BYOKKey: "sk-ant-caller"})
	}
	if tr.clients["openai"].count()+tr.clients["google"].count() != 0 {
		t.Fatal("a BYOK call failed over to the gateway's keys")
	}
	if s := tr.providers["anthropic"].breaker.State().String(); s != "closed" {
		t.Fatalf("a caller's key moved the gateway's breaker to %s", s)
	}
}

func TestBYOKGoesToTheNamedModelsProvider(t *testing.T) {
	tr := newTestRouter(t)
	out, err := tr.run(t, Params{BYOKKey: "sk-caller", Model: "gpt-mini"})
	if err != nil || out.Provider != "openai" || tr.clients["openai"].keys[0] != "sk-caller" {
		t.Fatalf("a BYOK call naming gpt-mini: %s %v", out.Provider, err)
	}
}

func TestASignedTurnIsReplayedOnlyToItsProvider(t *testing.T) {
	signed := &NativeTurn{Protocol: ProtocolAnthropic, Provider: "anthropic", Content: json.RawMessage(`[{"type":"thinking","thinking":"x","signature":"s"}]`)}
	req := Request{Messages: []Message{{Role: RoleUser, Text: "hi"}, {Role: RoleAssistant, Text: "yo", Native: signed}, {Role: RoleUser, Text: "again"}}}
	if got := nativeFor(req, "anthropic"); got.Messages[1].Native != signed {
		t.Fatal("the turn lost its native form at its own provider")
	}
	other := nativeFor(req, "anthropic-eu")
	if other.Messages[1].Native != nil || other.Messages[1].Text != "yo" || req.Messages[1].Native != signed {
		t.Fatal("another provider of the same protocol got the signed turn, or the caller's request was changed")
	}
}

func TestStreamFailsOverOnlyBeforeTheFirstDelta(t *testing.T) {
	tr := newTestRouter(t)
	tr.clients["anthropic"].replies = []scripted{{err: &UpstreamError{Status: 529, Type: "overloaded_error"}}}
	tr.clients["openai"].replies = []scripted{{deltas: []string{"he", "llo"}, res: Result{Text: "hello", UsageSeen: true, Usage: Usage{Input: 3, Output: 2}}}}
	out, err := tr.run(t, Params{Stream: true})
	if err != nil || out.Provider != "openai" {
		t.Fatalf("before the first delta: %s %v", out.Provider, err)
	}

	tr.clients["anthropic"].replies = []scripted{{deltas: []string{strings.Repeat("x", 40)}, err: &UpstreamError{Status: 200, Type: "overloaded_error"}}}
	openaiCalls := tr.clients["openai"].count()
	out, err = tr.run(t, Params{Stream: true})
	var f *Failure
	if !errors.As(err, &f) || !f.MidStream || tr.clients["openai"].count() != openaiCalls {
		t.Fatalf("after a delta: err %v, failed over %v", err, tr.clients["openai"].count() != openaiCalls)
	}
	// No usage arrived: 21 prompt bytes → 6 tokens in, 40 bytes → 10 out, at sonnet prices.
	if !out.Usage.Estimated || out.Usage.Output != 10 || out.Cost == 0 {
		t.Fatalf("cut stream billed %+v, cost %d; want estimated output and a cost", out.Usage, out.Cost)
	}
}

func TestClientGoneIsNotTheProvidersFault(t *testing.T) {
	tr := newTestRouter(t)
	tr.clients["anthropic"].replies = []scripted{{deltas: []string{"a", "b"}, res: Result{Text: "ab"}}}
	plan, err := tr.Plan(Params{Request: Request{Prompt: "p", MaxTokens: 10}, Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	gone := errors.New("write: broken pipe")
	for i := 0; i < 5; i++ {
		out, err := tr.Do(context.Background(), plan, func(Delta) error { return gone })
		var f *Failure
		if !errors.As(err, &f) || f.Kind != ClientGone || out.Cost == 0 {
			t.Fatalf("client gone: %v, cost %d", err, out.Cost)
		}
	}
	if s := tr.providers["anthropic"].breaker.State().String(); s != "closed" || tr.clients["openai"].count() != 0 {
		t.Fatalf("clients leaving opened the breaker (%s) or failed over", s)
	}
}

func TestFinishBillsTheWholeAnswerItsClientLeft(t *testing.T) {
	tr := newTestRouter(t)
	slow := ok("hi", 1000, 500)
	slow.pause = 100 * time.Millisecond
	tr.clients["anthropic"].replies = []scripted{slow}
	plan, err := tr.Plan(Params{Request: Request{Prompt: "p", MaxTokens: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	leaves := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	out, err := tr.Finish(leaves(), plan)
	if err != nil || out.Usage.Estimated || out.Usage.Input != 1000 || out.Usage.Output != 500 || out.Cost == 0 {
		t.Fatalf("an answer its client left: %v, usage %+v, cost %d; want the provider's whole usage", err, out.Usage, out.Cost)
	}
	whole := out.Cost
	out, err = tr.Do(leaves(), plan, nil)
	var f *Failure
	if !errors.As(err, &f) || f.Kind != ClientGone || !out.Usage.Estimated || out.Cost >= whole {
		t.Fatalf("Do, for contrast, gives up with the client and bills a guess: %v, usage %+v", err, out.Usage)
	}

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	calls := tr.clients["anthropic"].count()
	if out, err := tr.Finish(gone, plan); !errors.As(err, &f) || f.Kind != ClientGone || out.Cost != 0 || tr.clients["anthropic"].count() != calls {
		t.Fatalf("a client gone before the call: %v, cost %d, called %v", err, out.Cost, tr.clients["anthropic"].count() != calls)
	}

	failing := scripted{err: &UpstreamError{Status: 529, Type: "overloaded_error"}, pause: 50 * time.Millisecond}
	tr.clients["anthropic"].replies = []scripted{failing}
	if out, err := tr.Finish(leaves(), plan); !errors.As(err, &f) || f.Kind != ClientGone || out.Cost != 0 || tr.clients["openai"].count()+tr.clients["google"].count() != 0 {
		t.Fatalf("a failure after the client left: %v, cost %d; want no failover", err, out.Cost)
	}
}

func TestModelTableIsValidAndDated(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	for _, alias := range []string{"gemini-flash", "sonnet", "haiku", "gpt-mini"} {
		if table.Model(alias) == nil {
			t.Errorf("alias %s missing", alias)
		}
	}
	g := table.Model("gemini")
	if p := g.PriceAt(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)); p.Input != 750_000 {
		t.Errorf("gemini price on 2026-12-31: %d", p.Input)
	}
	if p := g.PriceAt(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); p.Input != 1_500_000 {
		t.Errorf("gemini price on 2027-01-01: %d", p.Input)
	}
	bad := DefaultModels()
	bad[0].Prices = []Price{{From: "2026-01-01"}}
	if _, err := NewTable(bad); err == nil {
		t.Error("a first price with a from date was accepted")
	}
}
