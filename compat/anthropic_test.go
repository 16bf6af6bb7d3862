package compat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

const messagesBase = `{"model":"sonnet","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]`

func readMessages(t *testing.T, body string) (*MessagesRequest, *FieldError) {
	t.Helper()
	if !gjson.Valid(body) {
		t.Fatalf("test body is not JSON: %s", body)
	}
	return ReadMessages(gjson.Parse(body), false)
}

// TestEveryMessagesFieldIsTranslatedOrRefused sends each field of
// Anthropic's Messages request, one at a time, and fails if one is neither
// carried into the router's request nor refused naming it.
func TestEveryMessagesFieldIsTranslatedOrRefused(t *testing.T) {
	base, ferr := readMessages(t, messagesBase+"}")
	if ferr != nil {
		t.Fatal(ferr)
	}
	for field, value := range map[string]string{
		"cache_control":      `{"type":"ephemeral"}`,
		"container":          `"c1"`,
		"diagnostics":        `{}`,
		"inference_geo":      `"us"`,
		"speed":              `"fast"`,
		"context_management": `{"edits":[]}`,
		"mcp_servers":        `[]`,
		"metadata":           `{"user_id":"u42"}`,
		"output_config":      `{"effort":"low"}`,
		"service_tier":       `"auto"`,
		"stop_sequences":     `["END"]`,
		"stream":             `true`,
		"system":             `[{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral"}}]`,
		"temperature":        `0.5`,
		"thinking":           `{"type":"enabled","budget_tokens":2048}`,
		"tool_choice":        `{"type":"any"}`,
		"tools":              `[{"name":"get_weather","input_schema":{"type":"object"}}]`,
		"top_k":              `5`,
		"top_p":              `0.9`,
		"a_field_from_2027":  `1`,
	} {
		got, ferr := readMessages(t, messagesBase+`,"`+field+`":`+value+"}")
		switch {
		case ferr != nil:
			if !strings.HasPrefix(ferr.Param, field) {
				t.Errorf("%s: refused naming %q: %v", field, ferr.Param, ferr)
			}
		case reflect.DeepEqual(got, base):
			t.Errorf("%s: accepted and dropped", field)
		}
	}
}

func TestMessagesTranslation(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want func(m *MessagesRequest) bool
	}{
		{"system blocks join, their cache hints are counted", `{"model":"m","max_tokens":10,"system":[{"type":"text","text":"A"},{"type":"text","text":"B","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Hi"}]}`,
			func(m *MessagesRequest) bool { return m.Request.System == "A\n\nB" && m.CacheHints == 1 }},
		{"any is a required tool call; serial calls", messagesBase + `,"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"any","disable_parallel_tool_use":true}}`,
			func(m *MessagesRequest) bool {
				return m.Request.ToolChoice.Mode == routing.ToolRequired && m.Request.SerialToolCalls
			}},
		{"thinking budget", messagesBase + `,"thinking":{"type":"enabled","budget_tokens":4096}}`,
			func(m *MessagesRequest) bool { return m.Request.Thinking && m.Request.ThinkingBudget == 4096 }},
		{"adaptive thinking", messagesBase + `,"thinking":{"type":"adaptive"}}`,
			func(m *MessagesRequest) bool { return m.Request.Thinking && m.Request.ThinkingBudget == 0 }},
		{"schema", messagesBase + `,"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}}`,
			func(m *MessagesRequest) bool {
				return m.Request.Format.Type == routing.FormatSchema && string(m.Request.Format.Schema) == `{"type":"object"}`
			}},
		{"max effort goes to Anthropic only", messagesBase + `,"output_config":{"effort":"max"}}`,
			func(m *MessagesRequest) bool {
				return m.Request.Effort == "" && m.Request.Extra.Protocol == "anthropic" && m.Request.Extra.Fields[0].Name == "output_config"
			}},
		{"an image and text", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}},{"type":"text","text":"What is it?"}]}]}`,
			func(m *MessagesRequest) bool {
				p := m.Request.Messages[0].Parts
				return len(p) == 2 && p[0].Image.MediaType == "image/png" && p[1].Text == "What is it?"
			}},
		{"a tool loop with Claude's own thinking, kept to replay", `{"model":"m","max_tokens":10,"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"messages":[
			{"role":"user","content":"Weather?"},
			{"role":"assistant","content":[{"type":"thinking","thinking":"SF.","signature":"EqQB"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"SF"}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"68F"}]},{"type":"text","text":"And?"}]}]}`,
			func(m *MessagesRequest) bool {
				msgs := m.Request.Messages
				return msgs[1].Native != nil && msgs[1].Native.Protocol == "anthropic" && msgs[1].ToolCalls[0].ID == "toolu_1" &&
					msgs[2].ToolResults[0].Output == "68F" && msgs[2].Text == "And?"
			}},
		{"another Anthropic account's thinking goes back to it alone, unmarked", `{"model":"m","max_tokens":10,"messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":[{"type":"thinking","thinking":"Hm.","signature":"kaine:anthropic-eu:EqQB"},{"type":"text","text":"Hello."}]},
			{"role":"user","content":"Again"}]}`,
			func(m *MessagesRequest) bool {
				n := m.Request.Messages[1].Native
				return n != nil && n.Provider == "anthropic-eu" && gjson.GetBytes(n.Content, "0.signature").Str == "EqQB" &&
					gjson.GetBytes(n.Content, "1.text").Str == "Hello."
			}},
		{"thinking of two providers in one turn is replayed to neither", `{"model":"m","max_tokens":10,"messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":[{"type":"thinking","thinking":"A","signature":"EqQB"},{"type":"thinking","thinking":"B","signature":"kaine:google:CiQB"},{"type":"text","text":"Hello."}]},
			{"role":"user","content":"Again"}]}`,
			func(m *MessagesRequest) bool { return m.Request.Messages[1].Native == nil }},
		{"thinking Kaine wrote from another provider is never replayed", `{"model":"m","max_tokens":10,"messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":[{"type":"thinking","thinking":"Hm.","signature":"kaine:google"},{"type":"text","text":"Hello."}]},
			{"role":"user","content":"Again"}]}`,
			func(m *MessagesRequest) bool {
				return m.Request.Messages[1].Native == nil && m.Request.Messages[1].Text == "Hello."
			}},
	} {
		got, ferr := readMessages(t, tc.body)
		if ferr != nil {
			t.Errorf("%s: %v", tc.name, ferr)
			continue
		}
		if !tc.want(got) {
			t.Errorf("%s: read %+v", tc.name, got.Request)
		}
	}
}

func TestMessagesRefusals(t *testing.T) {
	for _, tc := range []struct{ body, param string }{
		{`{"model":"m","messages":[{"role":"user","content":"Hi"}]}`, "max_tokens"},
		{messagesBase + `,"temperature":1.5}`, "temperature"},
		{messagesBase + `,"thinking":{"type":"enabled","budget_tokens":10}}`, "thinking.budget_tokens"},
		{messagesBase + `,"tools":[{"type":"web_search_20250305","name":"web_search"}]}`, "tools[0].type"},
		{messagesBase + `,"metadata":{"session":"x"}}`, "metadata.session"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"system","content":"x"}]}`, "messages[0].role"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}`, "messages[0].content[0].type"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"http://x/a.png"}}]}]}`, "messages[0].content[0].source.url"},
		{`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"AA=="}}]}]}`, "messages[0].content[0].source.media_type"},
	} {
		_, ferr := readMessages(t, tc.body)
		if ferr == nil || ferr.Param != tc.param {
			t.Errorf("%s: %v, want a refusal of %s", tc.body, ferr, tc.param)
		}
	}
	if _, ferr := ReadMessages(gjson.Parse(`{"model":"m","messages":[{"role":"user","content":"Hi"}]}`), true); ferr != nil {
		t.Errorf("count_tokens needs no max_tokens: %v", ferr)
	}
}

func TestMessagesAnswerReadsInTheAnthropicSDK(t *testing.T) {
	out := routing.Outcome{Provider: "google", Model: &routing.Model{ID: "gemini-3.8-flash"}, Result: routing.Result{Model: "gemini-3.8-flash",
		Thinking: []routing.ThinkingBlock{{Text: "Weather lookup.", Signature: "CiQB"}}, Text: "Checking.",
		ToolCalls: []routing.ToolCall{{ID: "call_0_0", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}, Finish: routing.FinishToolCalls},
		Usage: routing.Usage{Input: 10, CacheRead: 4, CacheWrite: 2, Output: 7}}
	body := MessagesAnswer("msg_1", out)
	var msg anthropic.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	switch {
	case msg.ID != "msg_1" || msg.Model != "gemini-3.8-flash" || msg.StopReason != "tool_use" || len(msg.Content) != 3:
		t.Errorf("message %s", body)
	case msg.Content[0].Type != "thinking" || msg.Content[0].Signature != "kaine:google:CiQB":
		t.Errorf("another provider's thinking must not carry its signature as Anthropic's: %s", body)
	case msg.Content[2].Type != "tool_use" || string(msg.Content[2].Input) != `{"city":"SF"}`:
		t.Errorf("tool use %s", body)
	case msg.Usage.InputTokens != 10 || msg.Usage.CacheReadInputTokens != 4 || msg.Usage.CacheCreationInputTokens != 2 || msg.Usage.OutputTokens != 7:
		t.Errorf("usage %s", body)
	}
}

// TestEveryResultFieldReachesTheMessagesAnswer sets each Result field in
// turn and fails if the answer does not change.
func TestEveryResultFieldReachesTheMessagesAnswer(t *testing.T) {
	notShown := map[string]string{
		"UsageSeen":  "how the usage was known",
		"StopReason": "the provider's own word; Finish is its meaning",
		"Native":     "the provider's turn, for replaying inside Kaine",
		"More":       "Anthropic's Messages has one answer a call; several are refused before the call (choices)",
		"Model":      "the provider's own name for the model; the answer names the catalog's, as a stream must",
	}
	base := routing.Outcome{Provider: "anthropic", Model: sonnet, Result: routing.Result{Text: "Hi."}}
	baseJSON := MessagesAnswer("msg_1", base)
	values := map[string]any{
		"Text": "Other.", "Usage": routing.Usage{Input: 1}, "Finish": routing.FinishLength,
		"StopSequence": "END", "Refusal": "No.", "Thinking": []routing.ThinkingBlock{{Text: "Hm.", Signature: "s"}},
		"ToolCalls": []routing.ToolCall{{ID: "t", Name: "f", Input: json.RawMessage(`{}`)}},
	}
	rt := reflect.TypeFor[routing.Result]()
	for i := range rt.NumField() {
		name := rt.Field(i).Name
		if _, skip := notShown[name]; skip {
			continue
		}
		v, ok := values[name]
		if !ok {
			t.Errorf("Result.%s: no test value; add one, or say in notShown why the Messages answer has no place for it", name)
			continue
		}
		out := base
		if name == "Refusal" {
			out.Result.Text = ""
		}
		reflect.ValueOf(&out.Result).Elem().Field(i).Set(reflect.ValueOf(v))
		if name == "Usage" {
			out.Usage = v.(routing.Usage)
		}
		got := MessagesAnswer("msg_1", out)
		if string(got) == string(baseJSON) {
			t.Errorf("Result.%s: the answer did not change: %s", name, got)
		}
	}
}

func TestMessagesStreamReadsInTheAnthropicSDK(t *testing.T) {
	s := NewMessagesStream("msg_s")
	var b []byte
	for _, c := range []routing.Chunk{
		{Thinking: "Let me"}, {Thinking: " see."}, {Signature: "EqQB"},
		{Text: "Check"}, {Text: "ing."},
		{ToolCall: &routing.ToolCallChunk{Index: 0, ID: "toolu_1", Name: "get_weather"}},
		{ToolCall: &routing.ToolCallChunk{Index: 0, Arguments: `{"city":`}},
		{ToolCall: &routing.ToolCallChunk{Index: 0, Arguments: `"SF"}`}},
		{ToolCall: &routing.ToolCallChunk{Index: 1, ID: "toolu_2", Name: "get_time", Arguments: `{}`}},
	} {
		b = s.Delta(b, routing.Delta{Provider: "anthropic", Model: sonnet, Chunk: c})
	}
	b = s.End(b, routing.Outcome{Provider: "anthropic", Model: sonnet, Result: routing.Result{Finish: routing.FinishToolCalls},
		Usage: routing.Usage{Input: 30, Output: 12}})
	var msg anthropic.Message
	for ev := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n\n"), "\n\n") {
		name, data, _ := strings.Cut(ev, "\ndata: ")
		var event anthropic.MessageStreamEventUnion
		if err := json.Unmarshal([]byte(data), &event); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		if "event: "+event.Type != name {
			t.Fatalf("event name %q, data type %q", name, event.Type)
		}
		if err := msg.Accumulate(event); err != nil {
			t.Fatalf("the SDK refused %s: %v", data, err)
		}
	}
	switch {
	case len(msg.Content) != 4 || msg.Content[0].Thinking != "Let me see." || msg.Content[0].Signature != "EqQB":
		t.Errorf("thinking: %+v", msg.Content)
	case msg.Content[1].Text != "Checking." || msg.Content[2].Name != "get_weather" || string(msg.Content[2].Input) != `{"city":"SF"}` || msg.Content[3].ID != "toolu_2":
		t.Errorf("content: %s", b)
	case msg.StopReason != "tool_use" || msg.Usage.OutputTokens != 12 || msg.Usage.InputTokens != 30:
		t.Errorf("end: %+v %+v", msg.StopReason, msg.Usage)
	}
}

func TestMessagesParamNamesTheRefusedField(t *testing.T) {
	m, _ := readMessages(t, messagesBase+`,"thinking":{"type":"enabled","budget_tokens":2048}}`)
	for field, want := range map[string]string{"effort": "thinking.budget_tokens", "format": "output_config.format",
		"stop": "stop_sequences", "user": "metadata.user_id", "extra:top_k": "top_k", "strict_tools": "tools"} {
		if got := m.Param(field); got != want {
			t.Errorf("%s: param %q, want %q", field, got, want)
		}
	}
	if count, ferr := ReadMessages(gjson.Parse(`{"model":"m","thinking":{"type":"enabled","budget_tokens":4096},"messages":[{"role":"user","content":"Hi"}]}`), true); ferr != nil ||
		count.Request.MaxTokens <= count.Request.ThinkingBudget {
		t.Errorf("a count with thinking: %v, max tokens %d", ferr, count.Request.MaxTokens)
	}
}
