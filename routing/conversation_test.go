package routing

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

var weatherTool = Tool{Name: "get_weather", Description: "Weather for a city",
	Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}

// agentConversation is an agent two calls deep: the assistant turn (with
// native, when given) asked for two calls, and the user turn answers them
// out of order, the second as a failure.
func agentConversation(native *NativeTurn) []Message {
	return []Message{
		{Role: RoleUser, Text: "Weather in SF and Paris?"},
		{Role: RoleAssistant, Text: "Checking.", Native: native, ToolCalls: []ToolCall{
			{ID: "call_1", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)},
			{ID: "call_2", Name: "get_weather", Input: json.RawMessage(`{"city":"Paris"}`)},
		}},
		{Role: RoleUser, ToolResults: []ToolResult{
			{CallID: "call_2", Output: "unknown city", IsError: true},
			{CallID: "call_1", Output: "68F, sunny"},
		}},
	}
}

func TestCheckRequestRefusesWhatNoProviderTakes(t *testing.T) {
	calls := func(msgs []Message, edit func([]Message)) []Message {
		edit(msgs)
		return msgs
	}
	tools := []Tool{weatherTool}
	for _, tc := range []struct {
		name string
		req  Request
		want string
	}{
		{"prompt and messages", Request{Prompt: "hi", Messages: agentConversation(nil), Tools: tools}, "exclusive"},
		{"bad tool name", Request{Prompt: "hi", Tools: []Tool{{Name: "get weather"}}}, `name "get weather"`},
		{"tool twice", Request{Prompt: "hi", Tools: []Tool{weatherTool, weatherTool}}, "listed twice"},
		{"schema not an object", Request{Prompt: "hi", Tools: []Tool{{Name: "x", Parameters: json.RawMessage(`"string"`)}}}, "JSON Schema object"},
		{"calls without tools", Request{Messages: agentConversation(nil)}, "must list its tools"},
		{"starts with the assistant", Request{Messages: []Message{{Role: RoleAssistant, Text: "hi"}}}, "start with a user message"},
		{"unknown role", Request{Messages: []Message{{Role: "system", Text: "hi"}}}, `role "system"`},
		{"empty user turn", Request{Messages: []Message{{Role: RoleUser}}}, "needs text or tool results"},
		{"call unanswered", Request{Tools: tools, Messages: agentConversation(nil)[:2]}, "call_1 (get_weather) has no result"},
		{"result for no call", Request{Tools: tools, Messages: calls(agentConversation(nil), func(m []Message) {
			m[2].ToolResults = append(m[2].ToolResults, ToolResult{CallID: "call_9"})
		})}, `answers "call_9"`},
		{"result of another tool", Request{Tools: tools, Messages: calls(agentConversation(nil), func(m []Message) { m[2].ToolResults[0].Name = "now" })},
			"names tool now, but call call_2 is of get_weather"},
		{"call answered twice", Request{Tools: tools, Messages: calls(agentConversation(nil), func(m []Message) {
			m[2].ToolResults = append(m[2].ToolResults, ToolResult{CallID: "call_1"})
		})}, "answered twice"},
		{"call input not JSON", Request{Tools: tools, Messages: calls(agentConversation(nil), func(m []Message) { m[1].ToolCalls[0].Input = json.RawMessage(`{city`) })}, "not JSON"},
		{"native not JSON", Request{Tools: tools, Messages: calls(agentConversation(nil), func(m []Message) {
			m[1].Native = &NativeTurn{Protocol: "anthropic", Content: json.RawMessage(`[{`)}
		})}, "native turn is not JSON"},
	} {
		err := checkRequest(tc.req)
		if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if err := checkRequest(Request{Messages: agentConversation(nil), Tools: tools}); err != nil {
		t.Errorf("a well-formed conversation: %v", err)
	}
}

func TestClientsRefuseAMalformedRequestBeforeCallingOut(t *testing.T) {
	f := newFake(t)
	for _, p := range protocols(f) {
		_, err := p.client.Generate(t.Context(), testKey, p.model, Request{Messages: agentConversation(nil), MaxTokens: 10})
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: %v, want ErrInvalidRequest", p.name, err)
		}
		_, err = p.client.Stream(t.Context(), testKey, p.model, Request{Prompt: "hi", Tools: []Tool{{Name: "1st"}}}, (&deltaRecorder{}).onDelta)
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s stream with a misnamed tool: %v, want ErrInvalidRequest", p.name, err)
		}
	}
	if f.Calls() != 0 {
		t.Fatalf("%d calls reached the provider", f.Calls())
	}
}

func TestPlanSkipsProvidersThatCannotServeTheRequest(t *testing.T) {
	tr := newTestRouter(t)
	tr.clients["anthropic"].refuses = &UnsupportedError{Field: "seed", Reason: "no seed"}
	plan, err := tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 10, Seed: new(int64(7))}})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.candidates[0].provider.Name; got != "openai" || len(plan.candidates) != 2 {
		t.Fatalf("candidates start with %s (%d), want openai and google: anthropic cannot take a seed", got, len(plan.candidates))
	}
	_, err = tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 10, Seed: new(int64(7))}, Provider: "anthropic"})
	u, ok := errors.AsType[*UnsupportedError](err)
	if !ok || !errors.Is(err, ErrUnsupported) || u.Field != "seed" || u.Provider != "anthropic" {
		t.Fatalf("pinned to anthropic: %v, want the UnsupportedError naming seed and anthropic", err)
	}
}

func TestPromptBoundCoversTheWholeConversation(t *testing.T) {
	plain := Request{System: "Be terse.", Prompt: "Weather in SF and Paris?"}
	if got := promptBound(plain); got != int64(len(plain.System)+len(plain.Prompt))+promptFraming {
		t.Fatalf("plain prompt bound %d", got)
	}
	msgs := agentConversation(nil)
	native := &NativeTurn{Protocol: "anthropic", Content: json.RawMessage(`[{"type":"thinking","thinking":"Two cities.","signature":"c2ln"}]`)}
	prev := promptBound(Request{System: "Be terse.", Messages: msgs[:1]})
	// Each step adds at least its bytes: the calls, the results, a native
	// turn, the tools with their schemas.
	steps := []struct {
		name  string
		req   Request
		bytes int
	}{
		{"with the calls", Request{System: "Be terse.", Messages: msgs[:2]}, len("Checking.") + len(`{"city":"SF"}`) + len(`{"city":"Paris"}`)},
		{"with the results", Request{System: "Be terse.", Messages: msgs}, len("unknown city") + len("68F, sunny")},
		{"with a native turn", Request{System: "Be terse.", Messages: agentConversation(native)}, len(native.Content)},
		{"with tools", Request{System: "Be terse.", Tools: []Tool{weatherTool}, Messages: agentConversation(native)},
			toolUseBound + len(weatherTool.Parameters) + len(weatherTool.Description)},
	}
	for _, s := range steps {
		got := promptBound(s.req)
		if got < prev+int64(s.bytes) {
			t.Errorf("%s: bound %d, want at least %d + %d", s.name, got, prev, s.bytes)
		}
		prev = got
	}

	tr := newTestRouter(t)
	small, err := tr.Plan(Params{Request: Request{Messages: msgs[:1], Tools: []Tool{weatherTool}, MaxTokens: 100}})
	if err != nil {
		t.Fatal(err)
	}
	big, err := tr.Plan(Params{Request: Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if big.Estimate <= small.Estimate {
		t.Fatalf("the reservation does not grow with the conversation: %d then %d", small.Estimate, big.Estimate)
	}
}

func TestDoTakesToolCallsWithoutTextAsAnAnswer(t *testing.T) {
	tr := newTestRouter(t)
	call := ToolCall{ID: "toolu_1", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}
	tr.clients["anthropic"].replies = []scripted{{res: Result{ToolCalls: []ToolCall{call}, StopReason: "tool_use",
		UsageSeen: true, Usage: Usage{Input: 50, Output: 20}}}}
	out, err := tr.run(t, Params{Request: Request{Tools: []Tool{weatherTool}}})
	if err != nil || out.Provider != "anthropic" || len(out.Result.ToolCalls) != 1 || out.Result.ToolCalls[0].ID != "toolu_1" || out.Cost == 0 {
		t.Fatalf("a tool-call answer: %v, %+v, cost %d", err, out.Result, out.Cost)
	}
	if tr.clients["openai"].count() != 0 {
		t.Fatal("a tool-call answer failed over")
	}

	// Without usage (a local server), the calls' bytes are billed as output.
	tr.clients["anthropic"].replies = []scripted{{res: Result{ToolCalls: []ToolCall{call}}}}
	out, err = tr.run(t, Params{Request: Request{Tools: []Tool{weatherTool}}})
	if err != nil || !out.Usage.Estimated || out.Usage.Output != int64(len(call.Name)+len(call.Input)+3)/4 {
		t.Fatalf("estimated usage %+v (%v)", out.Usage, err)
	}

	// Neither text nor calls is still no answer.
	tr.clients["anthropic"].replies = []scripted{{res: Result{StopReason: "end_turn", UsageSeen: true}}}
	_, err = tr.run(t, Params{})
	var f *Failure
	if !errors.As(err, &f) || f.Kind != EmptyAnswer {
		t.Fatalf("an empty answer: %v", err)
	}
}

func TestATurnIsKeptOnlyForKainesOwnConversations(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Text: "Checking.", ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather"}}})
	for _, p := range protocols(f) {
		req := Request{Prompt: "Weather?", Tools: []Tool{weatherTool}, MaxTokens: 100}
		kept, err := p.client.Generate(t.Context(), testKey, p.model, req)
		if err != nil || kept.Native == nil {
			t.Fatalf("%s: an agent's turn: native %v, %v", p.name, kept.Native, err)
		}
		req.OwnTurns = true
		own, err := p.client.Generate(t.Context(), testKey, p.model, req)
		if err != nil || own.Native != nil || len(own.ToolCalls) != 1 {
			t.Fatalf("%s: a front's turn: kept %v, calls %v, %v", p.name, own.Native != nil, own.ToolCalls, err)
		}
	}
}
