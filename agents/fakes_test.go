package agents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// answer is one scripted model call.
type answer func(ctx context.Context, req routing.Request) (Reply, error)

// scriptedModel answers the calls of a run in order, recording each
// request it got.
type scriptedModel struct {
	t       *testing.T
	mu      sync.Mutex
	answers []answer
	calls   []routing.Request
	envs    []Env
}

func newModel(t *testing.T, answers ...answer) *scriptedModel {
	return &scriptedModel{t: t, answers: answers}
}

func (m *scriptedModel) Call(ctx context.Context, env Env, req routing.Request) (Reply, error) {
	m.mu.Lock()
	i := len(m.calls)
	m.calls = append(m.calls, req)
	m.envs = append(m.envs, env)
	m.mu.Unlock()
	if i >= len(m.answers) {
		m.t.Errorf("model call %d was not scripted", i+1)
		return Reply{}, errors.New("unscripted call")
	}
	return m.answers[i](ctx, req)
}

func (m *scriptedModel) requests() []routing.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]routing.Request(nil), m.calls...)
}

// callCost is what each scripted model call costs.
const callCost money.MicroUSD = 1500

// says answers with text and tool calls, as a provider would.
func says(text string, calls ...routing.ToolCall) answer {
	return func(context.Context, routing.Request) (Reply, error) {
		return Reply{
			Result:   routing.Result{Text: text, ToolCalls: calls, Native: &routing.NativeTurn{Protocol: "anthropic", Content: json.RawMessage(`[{"type":"text"}]`)}},
			Provider: "anthropic", Model: "claude-test", TokensIn: 100, TokensOut: 20, Cost: callCost,
		}, nil
	}
}

// judges answers a critique call, in a code fence as models often do.
func judges(verdict, critique string) answer {
	return says(fmt.Sprintf("```json\n{\"verdict\":%q,\"critique\":%q}\n```", verdict, critique))
}

func fails(err error) answer {
	return func(context.Context, routing.Request) (Reply, error) { return Reply{}, err }
}

var callSeq int

func use(name, input string) routing.ToolCall {
	callSeq++
	return routing.ToolCall{ID: fmt.Sprintf("call_%d", callSeq), Name: name, Input: json.RawMessage(input)}
}

// fakeTool records its calls and answers with run.
type fakeTool struct {
	name   string
	run    func(input json.RawMessage) (string, error)
	mu     sync.Mutex
	envs   []Env
	inputs []string
}

func (f *fakeTool) Spec() routing.Tool {
	return routing.Tool{Name: f.name, Description: "test tool " + f.name, Parameters: json.RawMessage(`{"type":"object"}`)}
}

func (f *fakeTool) Run(_ context.Context, env Env, input json.RawMessage) (string, error) {
	f.mu.Lock()
	f.envs = append(f.envs, env)
	f.inputs = append(f.inputs, string(input))
	f.mu.Unlock()
	if f.run != nil {
		return f.run(input)
	}
	return "ok: " + f.name, nil
}

func (f *fakeTool) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.inputs)
}

// gatewayTools are fakes of every tool the gateway has.
func gatewayTools() map[string]*fakeTool {
	out := map[string]*fakeTool{}
	for _, name := range knownTools {
		out[name] = &fakeTool{name: name}
	}
	return out
}

var knownTools = []string{"crm_search", "crm_update", "crm_add_lead", "generate_landing_page", "generate_video",
	"trigger_workflow", "knowledge_search", "send_email", "send_sms", "phone_call", "send_booking_link",
	"crm_pipeline", "account_usage", "audit_summary", "fetch_page", "web_search",
	"meta_ads_draft_campaign", "meta_ads_campaigns", "meta_ads_insights"}

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// testClock ticks a second at each reading.
func testClock() func() time.Time {
	var mu sync.Mutex
	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
}

func newStore(t *testing.T) *Store {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "kaine.db"))
	t.Cleanup(func() { db.Close() })
	s, err := OpenStore(db, testClock())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newRunner is a runner over model, the fake tools and a fresh store.
// kitRunner is a Runner whose runs all use one kit, as a config's do.
type kitRunner struct {
	*Runner
	kit Kit
}

func (r kitRunner) Run(ctx context.Context, env Env, agent Agent, goal string) (Run, error) {
	return r.Runner.Run(ctx, r.kit, env, agent, goal)
}

func (r kitRunner) Start(env Env, agent Agent, goal string) (Run, error) {
	return r.Runner.Start(r.kit, env, agent, goal)
}

func newRunner(t *testing.T, model Model, tools map[string]*fakeTool) kitRunner {
	t.Helper()
	asTools := make(map[string]Tool, len(tools))
	for name, tool := range tools {
		asTools[name] = tool
	}
	r := NewRunner(newStore(t))
	t.Cleanup(r.Close)
	return kitRunner{r, Kit{Model: model, Tools: asTools}}
}

func catalogAgent(t *testing.T, name string) Agent {
	t.Helper()
	a, ok := Default().Get(name)
	if !ok {
		t.Fatalf("no agent %q in the catalog", name)
	}
	return a
}

var alice = Env{Account: 1, KeyID: 11}
