package routing

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// newFakeRouter routes to the three protocols on one fake, Anthropic
// first, with a model each that thinks on a budget.
func newFakeRouter(t *testing.T, f *fakeupstream.Server) *Router {
	t.Helper()
	price := []Price{{Rates: Rates{Input: 1_000_000, Output: 5_000_000}}}
	table, err := NewTable([]Model{
		{Aliases: []string{"claude"}, Provider: "anthropic", ID: "claude-haiku-test", MaxTemperature: 1, Prices: price},
		{Aliases: []string{"gem"}, Provider: "google", ID: "gemini-3-test", Prices: price},
		{Aliases: []string{"gpt"}, Provider: "openai", ID: "gpt-test", NoTemperature: true, MaxCompletionTokens: true, ReasoningEffort: "low", Prices: price},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{
		Providers: []ProviderConfig{
			{Name: "anthropic", Client: NewAnthropic(f.URL, nil), Key: testKey, Timeout: 5 * time.Second},
			{Name: "google", Client: NewGemini(f.URL, nil), Key: testKey, Timeout: 5 * time.Second},
			{Name: "openai", Client: NewOpenAI(f.URL+"/v1", nil), Key: testKey, Timeout: 5 * time.Second},
		},
		Table: table, Rules: Rules{DefaultRoute: []string{"claude", "gem", "gpt"}}, Breakers: NewBreakers(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAgentLoopFailsOverBetweenProtocols runs one conversation with tools
// and thinking across the three providers, each failover landing mid-loop
// on a provider that must take the others' turns. The fake checks every
// request as its provider would (pairing, signatures, thinking in a turn),
// and a refusal there would end the call rather than fail over.
func TestAgentLoopFailsOverBetweenProtocols(t *testing.T) {
	f := newFake(t)
	f.RequireThoughtSignatures = true
	r := newFakeRouter(t, f)
	req := Request{System: "You check the weather.", Tools: []Tool{weatherTool}, MaxTokens: 4096, Thinking: true,
		Messages: []Message{{Role: RoleUser, Text: "Weather in SF, then Paris?"}}}
	step := func(want string, replies ...fakeupstream.Reply) Result {
		t.Helper()
		f.Enqueue(replies...)
		plan, err := r.Plan(Params{Request: req})
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Do(context.Background(), plan, nil)
		if err != nil || out.Provider != want {
			t.Fatalf("answered by %q, want %s: %v", out.Provider, want, err)
		}
		req.Messages = append(req.Messages, Message{Role: RoleAssistant, Text: out.Result.Text, ToolCalls: out.Result.ToolCalls, Native: out.Result.Native})
		return out.Result
	}
	answer := func(res Result, output string) {
		req.Messages = append(req.Messages, Message{Role: RoleUser, ToolResults: []ToolResult{{CallID: res.ToolCalls[0].ID, Output: output}}})
	}
	overloaded := fakeupstream.Reply{Status: 529}
	unavailable := fakeupstream.Reply{Status: 503}

	sf := step("anthropic", fakeupstream.Reply{Thinking: "SF first.", ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}})
	answer(sf, "68F, sunny")
	paris := step("google", overloaded, fakeupstream.Reply{ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather", Input: json.RawMessage(`{"city":"Paris"}`)}}})
	answer(paris, "55F, rain")
	final := step("openai", overloaded, unavailable, fakeupstream.Reply{Text: "SF is sunny, Paris rainy."})
	if final.Text != "SF is sunny, Paris rainy." || paris.ToolCalls[0].ID != "call_1_0" {
		t.Fatalf("final %+v, Paris call %+v", final, paris.ToolCalls)
	}
	req.Messages = append(req.Messages, Message{Role: RoleUser, Text: "And tomorrow?"})
	step("anthropic", fakeupstream.Reply{Text: "Unknown."})

	bodies := f.Bodies("anthropic")
	// The second call was inside the turn Anthropic started thinking: it
	// thinks on, its thinking block replayed.
	if b := bodies[1]; !gjson.GetBytes(b, "thinking").Exists() || gjson.GetBytes(b, "messages.1.content.0.type").Str != "thinking" {
		t.Errorf("anthropic, mid-turn after its own turn: %s", b)
	}
	// The third came in after Gemini's turn, rebuilt without thinking:
	// thinking stays off until the turn ends.
	if b := bodies[2]; gjson.GetBytes(b, "thinking").Exists() || gjson.GetBytes(b, "messages.3.content.0.type").Str != "tool_use" {
		t.Errorf("anthropic, mid-turn after gemini's turn: %s", b)
	}
	// The last starts a new turn: thinking again, every turn there.
	if b := bodies[3]; gjson.GetBytes(b, "thinking.budget_tokens").Int() != 2048 || len(gjson.GetBytes(b, "messages").Array()) != 7 {
		t.Errorf("anthropic, new turn: %s", b)
	}
	gemini := f.Bodies("gemini")[0]
	if gjson.GetBytes(gemini, "contents.1.parts.0.functionCall.name").Str != "get_weather" ||
		gjson.GetBytes(gemini, "contents.1.parts.0.thoughtSignature").Str != foreignThoughtSignature {
		t.Errorf("gemini after anthropic's turn: %s", gemini)
	}
	openai := f.Bodies("openai")[0]
	if gjson.GetBytes(openai, `messages.#(role=="tool")#.tool_call_id`).Raw != `["`+sf.ToolCalls[0].ID+`","call_1_0"]` {
		t.Errorf("openai after both: %s", openai)
	}
}
