package routing

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// lastBody is the body of the last request the fake received.
func lastBody(t *testing.T, f *fakeupstream.Server) []byte {
	t.Helper()
	reqs := f.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request received")
	}
	return reqs[len(reqs)-1].Body
}

func TestAnthropicToolRequest(t *testing.T) {
	f := newFake(t)
	c := NewAnthropic(f.URL, nil)
	rebuilt := `{"model":"claude-test","max_tokens":256,"system":"Be terse.","messages":[` +
		`{"role":"user","content":"Weather in SF and Paris?"},` +
		`{"role":"assistant","content":[{"type":"text","text":"Checking."},` +
		`{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"SF"}},` +
		`{"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Paris"}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"68F, sunny"},` +
		`{"type":"tool_result","tool_use_id":"call_2","content":"unknown city","is_error":true}]}],` +
		`"tools":[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},` +
		`{"name":"now","input_schema":{"type":"object","properties":{}}}],"temperature":0.7}`
	// The turn as Anthropic sent it, with a block the rebuilt turn lacks.
	native := `[{"type":"redacted_thinking","data":"EmwKAhgB"},{"type":"text","text":"Checking."},` +
		`{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"SF"}},` +
		`{"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Paris"}}]`
	for _, tc := range []struct {
		name   string
		native *NativeTurn
		want   string
	}{
		{"no native turn: rebuilt", nil, rebuilt},
		{"another protocol's turn: rebuilt", &NativeTurn{Protocol: "openai", Content: json.RawMessage(`{"role":"assistant","content":"Checking."}`)}, rebuilt},
		{"its own turn: replayed verbatim", &NativeTurn{Protocol: "anthropic", Content: json.RawMessage(native)},
			string(bytes.Replace([]byte(rebuilt), []byte(gjson.Get(rebuilt, "messages.1.content").Raw), []byte(native), 1))},
	} {
		req := Request{System: "Be terse.", Messages: agentConversation(tc.native), Tools: []Tool{weatherTool, {Name: "now"}},
			MaxTokens: 256, Temperature: new(0.7)}
		res, err := c.Generate(t.Context(), testKey, &Model{ID: "claude-test"}, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := string(lastBody(t, f)); got != tc.want {
			t.Errorf("%s: body\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		// A conversation's answer keeps its turn as sent.
		if res.Native == nil || res.Native.Protocol != "anthropic" || gjson.GetBytes(res.Native.Content, "#").Int() != 1 ||
			gjson.GetBytes(res.Native.Content, "0.type").Str != "text" {
			t.Errorf("%s: native %+v", tc.name, res.Native)
		}
	}
}

func TestAnthropicCallIDsFromOtherProvidersAreMadeValid(t *testing.T) {
	f := newFake(t)
	msgs := agentConversation(nil)
	msgs[1].ToolCalls[0].ID = "fc.1/a"
	msgs[2].ToolResults[1].CallID = "fc.1/a"
	_, err := NewAnthropic(f.URL, nil).Generate(t.Context(), testKey, &Model{ID: "claude-test"},
		Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 100})
	body := lastBody(t, f)
	if err != nil || gjson.GetBytes(body, "messages.1.content.1.id").Str != "fc_1_a" ||
		gjson.GetBytes(body, "messages.2.content.0.tool_use_id").Str != "fc_1_a" {
		t.Fatalf("%v: %s", err, body)
	}
}

func TestAnthropicThinking(t *testing.T) {
	f := newFake(t)
	c := NewAnthropic(f.URL, nil)
	budget := &Model{ID: "claude-haiku-test", MaxTemperature: 1}
	adaptive := &Model{ID: "claude-5-test", NoTemperature: true, AdaptiveThinking: true}
	midTurn := func(native string) []Message {
		var n *NativeTurn
		if native != "" {
			n = &NativeTurn{Protocol: "anthropic", Content: json.RawMessage(native)}
		}
		return agentConversation(n)
	}
	for _, tc := range []struct {
		name         string
		model        *Model
		req          Request
		wantThinking string // the thinking field, "" for none
		wantTemp     bool
	}{
		{"a budget of half max_tokens, no temperature", budget, Request{Prompt: "Hi", MaxTokens: 4096, Temperature: new(0.7), Thinking: true},
			`{"type":"enabled","budget_tokens":2048}`, false},
		{"not asked", budget, Request{Prompt: "Hi", MaxTokens: 4096, Temperature: new(0.7)}, "", true},
		{"max_tokens too small for the least budget", budget, Request{Prompt: "Hi", MaxTokens: 2047, Temperature: new(0.7), Thinking: true}, "", true},
		{"adaptive", adaptive, Request{Prompt: "Hi", MaxTokens: 100, Thinking: true}, `{"type":"adaptive"}`, false},
		{"mid-turn, the turn rebuilt from another provider", budget,
			Request{Messages: midTurn(""), Tools: []Tool{weatherTool}, MaxTokens: 4096, Temperature: new(0.7), Thinking: true}, "", true},
		{"mid-turn, the turn started with thinking", budget,
			Request{Messages: midTurn(`[{"type":"redacted_thinking","data":"EmwK"},{"type":"tool_use","id":"call_1","name":"get_weather","input":{}},{"type":"tool_use","id":"call_2","name":"get_weather","input":{}}]`),
				Tools: []Tool{weatherTool}, MaxTokens: 4096, Thinking: true}, `{"type":"enabled","budget_tokens":2048}`, false},
	} {
		// The fake refuses what the API refuses: a small budget, a
		// temperature, thinking switched on inside a turn.
		if _, err := c.Generate(t.Context(), testKey, tc.model, tc.req); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body := lastBody(t, f)
		if got := gjson.GetBytes(body, "thinking").Raw; got != tc.wantThinking {
			t.Errorf("%s: thinking %s, want %s", tc.name, got, tc.wantThinking)
		}
		if got := gjson.GetBytes(body, "temperature").Exists(); got != tc.wantTemp {
			t.Errorf("%s: temperature sent %v: %s", tc.name, got, body)
		}
	}
}

func TestAnthropicToolUseFromTheWire(t *testing.T) {
	content := `[{"type":"thinking","thinking":"Two lookups.","signature":"EqQBCkYIARgCKkD"},{"type":"text","text":"Checking."},
   {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"SF"}},
   {"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{}}]`
	srv := literalServer(t, 200, jsonHeader, `{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-6",
 "content":`+content+`,"stop_reason":"tool_use","stop_sequence":null,
 "usage":{"input_tokens":412,"output_tokens":88,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}`)
	c := NewAnthropic(srv.URL, nil)
	res, err := c.Generate(t.Context(), testKey, &Model{ID: "sonnet"}, Request{Prompt: "Weather?", Tools: []Tool{weatherTool}, MaxTokens: 4096})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Text: "Checking.", Model: "claude-sonnet-4-6", StopReason: "tool_use", Finish: FinishToolCalls, UsageSeen: true,
		Usage:    Usage{Input: 412, Output: 88},
		Thinking: []ThinkingBlock{{Text: "Two lookups.", Signature: "EqQBCkYIARgCKkD"}},
		ToolCalls: []ToolCall{
			{ID: "toolu_01A", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)},
			{ID: "toolu_01B", Name: "get_weather", Input: json.RawMessage(`{}`)},
		},
		Native: &NativeTurn{Protocol: "anthropic", Content: json.RawMessage(content)}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
	// A plain call has no next turn to replay.
	if res, err := c.Generate(t.Context(), testKey, &Model{ID: "sonnet"}, testRequest); err != nil || res.Native != nil {
		t.Fatalf("plain call: %v, native %+v", err, res.Native)
	}
}

func TestAnthropicScriptedToolLoop(t *testing.T) {
	f := newFake(t)
	c := NewAnthropic(f.URL, nil)
	model := &Model{ID: "claude-haiku-test"}
	f.Enqueue(
		fakeupstream.Reply{Thinking: "SF first.", Text: "Checking.", ToolCalls: []fakeupstream.ToolCall{
			{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}, Usage: fakeupstream.Usage{InputTokens: 300, OutputTokens: 40}},
		fakeupstream.Reply{Text: "SF is sunny."},
	)
	msgs := []Message{{Role: RoleUser, Text: "Weather in SF?"}}
	req := Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 4096, Thinking: true}
	first, err := c.Generate(t.Context(), testKey, model, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.StopReason != "tool_use" || len(first.ToolCalls) != 1 || first.ToolCalls[0].Name != "get_weather" ||
		string(first.ToolCalls[0].Input) != `{"city":"SF"}` || first.Usage.Input != 300 {
		t.Fatalf("first answer %+v", first)
	}
	if gjson.GetBytes(first.Native.Content, "0.type").Str != "thinking" || gjson.GetBytes(first.Native.Content, "0.signature").Str == "" {
		t.Fatalf("native turn %s", first.Native.Content)
	}

	req.Messages = append(msgs,
		Message{Role: RoleAssistant, Text: first.Text, ToolCalls: first.ToolCalls, Native: first.Native},
		Message{Role: RoleUser, ToolResults: []ToolResult{{CallID: first.ToolCalls[0].ID, Output: "68F, sunny"}}})
	second, err := c.Generate(t.Context(), testKey, model, req)
	if err != nil || second.Text != "SF is sunny." || len(second.ToolCalls) != 0 || second.StopReason != "end_turn" {
		t.Fatalf("second answer %+v: %v", second, err)
	}
	// The thinking block came back with its signature (the fake checks
	// it), and the turn thinks on: it started with thinking.
	body := lastBody(t, f)
	if gjson.GetBytes(body, "messages.1.content").Raw != string(first.Native.Content) || !gjson.GetBytes(body, "thinking").Exists() {
		t.Fatalf("second request %s", body)
	}

	// An altered thinking block is refused, as the API does.
	tampered := bytes.Replace(first.Native.Content, []byte("SF first."), []byte("Paris first."), 1)
	req.Messages[1].Native = &NativeTurn{Protocol: "anthropic", Content: tampered}
	_, err = c.Generate(t.Context(), testKey, model, req)
	if up := upstreamErr(t, err); up.Status != 400 || up.Type != "invalid_request_error" || !up.CallerFault() {
		t.Fatalf("tampered thinking: %+v", up)
	}
}

func TestDefaultTableAsksClaude5ForAdaptiveThinking(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	// Claude 5.x refuses a thinking budget; Haiku 4.5 takes only one.
	for alias, want := range map[string]bool{"haiku": false, "sonnet": true, "opus": true} {
		if got := table.Model(alias).AdaptiveThinking; got != want {
			t.Errorf("%s: adaptive thinking %v, want %v", alias, got, want)
		}
	}
}
