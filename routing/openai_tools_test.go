package routing

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestOpenAIToolRequest(t *testing.T) {
	f := newFake(t)
	c := NewOpenAI(f.URL+"/v1", nil)
	head := `{"model":"gpt-test","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Weather in SF and Paris?"},`
	tail := `{"role":"tool","content":"68F, sunny","tool_call_id":"call_1"},` +
		`{"role":"tool","content":"Error: unknown city","tool_call_id":"call_2"}],` +
		`"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},` +
		`{"type":"function","function":{"name":"now"}}],"max_tokens":256,"temperature":0.7}`
	rebuilt := head + `{"role":"assistant","content":"Checking.","tool_calls":[` +
		`{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"SF\"}"}},` +
		`{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},` + tail
	// OpenAI's own message: its calls go back as written, its output-only
	// fields (annotations, a null refusal) do not.
	calls := `[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"SF\"}"}},` +
		`{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]`
	native := `{"role":"assistant","content":null,"refusal":null,"annotations":[],"tool_calls":` + calls + `}`
	replayed := head + `{"role":"assistant","content":null,"tool_calls":` + calls + `},` + tail
	for _, tc := range []struct {
		name   string
		native *NativeTurn
		want   string
	}{
		{"no native turn: rebuilt", nil, rebuilt},
		{"another protocol's turn: rebuilt", &NativeTurn{Protocol: "gemini", Content: json.RawMessage(`{"role":"model","parts":[]}`)}, rebuilt},
		{"its own turn: replayed", &NativeTurn{Protocol: "openai", Content: json.RawMessage(native)}, replayed},
	} {
		req := Request{System: "Be terse.", Messages: agentConversation(tc.native), Tools: []Tool{weatherTool, {Name: "now"}},
			MaxTokens: 256, Temperature: new(0.7)}
		res, err := c.Generate(t.Context(), testKey, &Model{ID: "gpt-test"}, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := string(lastBody(t, f)); got != tc.want {
			t.Errorf("%s: body\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		if res.Native == nil || res.Native.Protocol != "openai" || gjson.GetBytes(res.Native.Content, "role").Str != "assistant" {
			t.Errorf("%s: native %+v", tc.name, res.Native)
		}
	}
}

func TestOpenAIReasoningEffortWithThinking(t *testing.T) {
	f := newFake(t)
	c := NewOpenAI(f.URL+"/v1", nil)
	for _, tc := range []struct {
		name     string
		effort   string
		thinking bool
		want     string
	}{
		{"the table's effort", "low", false, "low"},
		{"thinking raises it", "low", true, "medium"},
		{"thinking keeps a higher one", "high", true, "high"},
		{"a model without the parameter gets none", "", true, ""},
	} {
		model := &Model{ID: "gpt-test", NoTemperature: true, MaxCompletionTokens: true, ReasoningEffort: tc.effort}
		if _, err := c.Generate(t.Context(), testKey, model, Request{Prompt: "Hi", MaxTokens: 100, Thinking: tc.thinking}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body := lastBody(t, f)
		if got := gjson.GetBytes(body, "reasoning_effort"); got.Str != tc.want || got.Exists() != (tc.want != "") {
			t.Errorf("%s: %s", tc.name, body)
		}
	}
}

func TestOpenAIToolCallsFromTheWire(t *testing.T) {
	message := `{"role":"assistant","content":null,"tool_calls":[
   {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"SF\"}"}},
   {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Par"}}],
  "refusal":null,"annotations":[]}`
	srv := literalServer(t, 200, jsonHeader, `{"id":"chatcmpl-9xYz","object":"chat.completion","created":1764300000,"model":"gpt-5.4-2026-03-05",
 "choices":[{"index":0,"message":`+message+`,"logprobs":null,"finish_reason":"tool_calls"}],
 "usage":{"prompt_tokens":90,"completion_tokens":25,"total_tokens":115,"prompt_tokens_details":{"cached_tokens":0}}}`)
	res, err := NewOpenAI(srv.URL, nil).Generate(t.Context(), testKey, &Model{ID: "gpt"}, Request{Prompt: "Weather?", Tools: []Tool{weatherTool}, MaxTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Model: "gpt-5.4-2026-03-05", StopReason: "tool_calls", Finish: FinishToolCalls, UsageSeen: true, Usage: Usage{Input: 90, Output: 25},
		ToolCalls: []ToolCall{
			{ID: "call_1", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)},
			// Cut-off arguments stay the model's, as a JSON string.
			{ID: "call_2", Name: "get_weather", Input: json.RawMessage(`"{\"city\": \"Par"`)},
		},
		Native: &NativeTurn{Protocol: "openai", Content: json.RawMessage(message)}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
	// Rebuilt (its native turn lost), the cut-off call goes back as written.
	f := newFake(t)
	msgs := []Message{{Role: RoleUser, Text: "Weather?"}, {Role: RoleAssistant, ToolCalls: res.ToolCalls},
		{Role: RoleUser, ToolResults: []ToolResult{{CallID: "call_1", Output: "68F"}, {CallID: "call_2", Output: "bad arguments", IsError: true}}}}
	if _, err := NewOpenAI(f.URL+"/v1", nil).Generate(t.Context(), testKey, &Model{ID: "gpt"}, Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 100}); err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(lastBody(t, f), "messages.1.tool_calls.1.function.arguments").Str; got != `{"city": "Par` {
		t.Fatalf("arguments replayed as %q", got)
	}
}

func TestOpenAIScriptedToolLoop(t *testing.T) {
	f := newFake(t)
	c := NewOpenAI(f.URL+"/v1", nil)
	model := &Model{ID: "gpt-test", NoTemperature: true, MaxCompletionTokens: true, ReasoningEffort: "low"}
	f.Enqueue(
		fakeupstream.Reply{ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}},
			Usage: fakeupstream.Usage{InputTokens: 50, OutputTokens: 10, Thoughts: 30}},
		fakeupstream.Reply{Text: "SF is sunny."},
	)
	msgs := []Message{{Role: RoleUser, Text: "Weather in SF?"}}
	req := Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 1000, Thinking: true}
	first, err := c.Generate(t.Context(), testKey, model, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.StopReason != "tool_calls" || first.Text != "" || len(first.ToolCalls) != 1 || first.Usage.Output != 40 {
		t.Fatalf("first answer %+v", first)
	}
	req.Messages = append(msgs,
		Message{Role: RoleAssistant, ToolCalls: first.ToolCalls, Native: first.Native},
		Message{Role: RoleUser, Text: "Be brief.", ToolResults: []ToolResult{{CallID: first.ToolCalls[0].ID, Output: "68F, sunny"}}})
	// The fake refuses what the API refuses: the answer's annotations
	// replayed, a call left without its tool message.
	second, err := c.Generate(t.Context(), testKey, model, req)
	if err != nil || second.Text != "SF is sunny." {
		t.Fatalf("second answer %+v: %v", second, err)
	}
	body := lastBody(t, f)
	if gjson.GetBytes(body, "messages.1.tool_calls.0.id").Str != first.ToolCalls[0].ID ||
		gjson.GetBytes(body, "messages.2.role").Str != "tool" || gjson.GetBytes(body, "messages.3.content").Str != "Be brief." ||
		gjson.GetBytes(body, "reasoning_effort").Str != "medium" {
		t.Fatalf("second request %s", body)
	}
}
