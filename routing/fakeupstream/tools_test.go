package fakeupstream

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

var weatherCall = ToolCall{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}

func TestScriptedToolCallsInEachProtocol(t *testing.T) {
	s := New()
	defer s.Close()
	script := Reply{Text: "Checking.", Thinking: "SF first.", ToolCalls: []ToolCall{weatherCall, {Name: "now"}}}
	s.Enqueue(script, script, script)

	status, body := do(t, s, "/v1/messages", anthropicHeaders, anthropicBody)
	content := gjson.Get(body, "content")
	if status != 200 || gjson.Get(body, "stop_reason").Str != "tool_use" ||
		content.Get("#.type").Raw != `["thinking","text","tool_use","tool_use"]` ||
		content.Get("0.signature").Str != signature("thinking", "SF first.") ||
		content.Get("2.id").Str != "toolu_fake_1" || content.Get("2.input").Raw != `{"city":"SF"}` ||
		content.Get("3.id").Str != "toolu_fake_2" || content.Get("3.input").Raw != `{}` {
		t.Errorf("anthropic: %d %s", status, body)
	}

	// Gemini sends thought summaries only when asked to.
	status, body = do(t, s, "/v1beta/models/g:generateContent", geminiHeaders,
		`{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}`)
	parts := gjson.Get(body, "candidates.0.content.parts")
	if status != 200 || gjson.Get(body, "candidates.0.finishReason").Str != "STOP" ||
		!parts.Get("0.thought").Bool() || parts.Get("1.text").Str != "Checking." ||
		parts.Get("2.functionCall.args").Raw != `{"city":"SF"}` || parts.Get("2.functionCall.id").Exists() ||
		parts.Get("2.thoughtSignature").Str == "" || parts.Get("3.thoughtSignature").Exists() {
		t.Errorf("gemini: %d %s", status, body)
	}

	status, body = do(t, s, "/v1/chat/completions", openAIHeaders, openAIBody)
	msg := gjson.Get(body, "choices.0.message")
	if status != 200 || gjson.Get(body, "choices.0.finish_reason").Str != "tool_calls" || msg.Get("content").Str != "Checking." ||
		!strings.HasPrefix(msg.Get("tool_calls.0.id").Str, "call_fake_") || msg.Get("tool_calls.0.function.arguments").Str != `{"city":"SF"}` ||
		msg.Get("tool_calls.1.function.arguments").Str != `{}` {
		t.Errorf("openai: %d %s", status, body)
	}
}

func TestScriptedToolCallsWithoutText(t *testing.T) {
	s := New()
	defer s.Close()
	s.Default(Reply{ToolCalls: []ToolCall{weatherCall}})
	_, body := do(t, s, "/v1/messages", anthropicHeaders, anthropicBody)
	if gjson.Get(body, "content.#.type").Raw != `["tool_use"]` {
		t.Errorf("anthropic: %s", body)
	}
	// The default reply served again gets fresh ids.
	_, again := do(t, s, "/v1/messages", anthropicHeaders, anthropicBody)
	if gjson.Get(again, "content.0.id").Str == gjson.Get(body, "content.0.id").Str {
		t.Errorf("ids repeat: %s", again)
	}
	_, body = do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, geminiBody)
	if gjson.Get(body, "candidates.0.content.parts.#").Int() != 1 {
		t.Errorf("gemini: %s", body)
	}
	_, body = do(t, s, "/v1/chat/completions", openAIHeaders, openAIBody)
	if c := gjson.Get(body, "choices.0.message.content"); c.Type != gjson.Null {
		t.Errorf("openai content %s, want null", c.Raw)
	}
	// A stream sends the calls too.
	_, body = do(t, s, "/v1/chat/completions", openAIHeaders, `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}`)
	if !strings.Contains(body, `"finish_reason":"tool_calls"`) {
		t.Errorf("openai stream: %s", body)
	}
}

func TestChecksToolConversationsAsTheProvidersDo(t *testing.T) {
	signed := signature("thinking", "SF first.")
	anthropicTools := `"tools":[{"name":"get_weather","input_schema":{"type":"object"}}]`
	anthropicTurn := func(thinking string) string {
		return `{"role":"assistant","content":[` + thinking + `{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"SF"}}]}`
	}
	anthropicResult := `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"68F"}]}`
	anthropic := func(extra, messages string) string {
		return `{"model":"m","max_tokens":4096,` + extra + `"messages":[{"role":"user","content":"hi"},` + messages + `]}`
	}
	openAITools := `"tools":[{"type":"function","function":{"name":"get_weather"}}],`
	openAICall := `{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]}`
	openAI := func(messages string) string {
		return `{"model":"m",` + openAITools + `"messages":[{"role":"user","content":"hi"},` + messages + `]}`
	}
	geminiCall := `{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{}},"thoughtSignature":"skip_thought_signature_validator"},{"functionCall":{"name":"get_weather","args":{}}}]}`
	gemini := func(extra, contents string) string {
		return `{` + extra + `"contents":[{"role":"user","parts":[{"text":"hi"}]},` + contents + `]}`
	}
	for _, tc := range []struct {
		name, path string
		header     map[string]string
		body       string
		want       string // in error.message; "" for a call that passes
	}{
		{"anthropic: a tool loop", "/v1/messages", anthropicHeaders,
			anthropic(anthropicTools+`,"thinking":{"type":"enabled","budget_tokens":2048},`, anthropicTurn(`{"type":"thinking","thinking":"SF first.","signature":"`+signed+`"},`)+`,`+anthropicResult), ""},
		{"anthropic: tool_use unanswered", "/v1/messages", anthropicHeaders,
			anthropic(anthropicTools+",", anthropicTurn("")+`,{"role":"user","content":"go on"}`), "`tool_use` ids were found without `tool_result` blocks"},
		{"anthropic: tool_result for no call", "/v1/messages", anthropicHeaders,
			anthropic(anthropicTools+",", `{"role":"assistant","content":"ok"},`+anthropicResult), "unexpected `tool_use_id`"},
		{"anthropic: tool blocks without tools", "/v1/messages", anthropicHeaders,
			anthropic("", anthropicTurn("")+`,`+anthropicResult), "must define tools"},
		{"anthropic: a tool without a schema", "/v1/messages", anthropicHeaders,
			anthropic(`"tools":[{"name":"x"}],`, `{"role":"assistant","content":"ok"}`), "input_schema: Field required"},
		{"anthropic: a budget under 1024", "/v1/messages", anthropicHeaders,
			anthropic(`"thinking":{"type":"enabled","budget_tokens":1000},`, `{"role":"assistant","content":"ok"}`), "greater than or equal to 1024"},
		{"anthropic: a budget over max_tokens", "/v1/messages", anthropicHeaders,
			anthropic(`"thinking":{"type":"enabled","budget_tokens":4096},`, `{"role":"assistant","content":"ok"}`), "`max_tokens` must be greater"},
		{"anthropic: temperature while thinking", "/v1/messages", anthropicHeaders,
			anthropic(`"temperature":0.7,"thinking":{"type":"adaptive"},`, `{"role":"assistant","content":"ok"}`), "`temperature` may only be set to 1"},
		{"anthropic: an altered thinking block", "/v1/messages", anthropicHeaders,
			anthropic(anthropicTools+",", anthropicTurn(`{"type":"thinking","thinking":"Paris first.","signature":"`+signed+`"},`)+`,`+anthropicResult), "Invalid `signature`"},
		{"anthropic: thinking switched on inside a turn", "/v1/messages", anthropicHeaders,
			anthropic(anthropicTools+`,"thinking":{"type":"enabled","budget_tokens":2048},`, anthropicTurn("")+`,`+anthropicResult), "must start with a thinking block"},
		{"openai: a tool loop", "/v1/chat/completions", openAIHeaders,
			openAI(openAICall + `,{"role":"tool","tool_call_id":"call_1","content":"68F"}`), ""},
		{"openai: a call unanswered", "/v1/chat/completions", openAIHeaders,
			openAI(openAICall + `,{"role":"user","content":"go on"}`), "did not have response messages: call_1"},
		{"openai: the last message's call unanswered", "/v1/chat/completions", openAIHeaders, openAI(openAICall), "call_1"},
		{"openai: a tool message for no call", "/v1/chat/completions", openAIHeaders,
			openAI(`{"role":"tool","tool_call_id":"call_1","content":"68F"}`), "must be a response to a preceeding message"},
		{"openai: arguments as an object", "/v1/chat/completions", openAIHeaders,
			openAI(strings.Replace(openAICall, `"arguments":"{}"`, `"arguments":{}`, 1) + `,{"role":"tool","tool_call_id":"call_1","content":"68F"}`), "expected a string, but got an object"},
		{"openai: an answer's annotations replayed", "/v1/chat/completions", openAIHeaders,
			openAI(`{"role":"assistant","content":"hi","annotations":[]}`), "('annotations' was unexpected)"},
		{"gemini: a tool loop", "/v1beta/models/g:generateContent", geminiHeaders,
			gemini(`"tools":[{"functionDeclarations":[{"name":"get_weather","parametersJsonSchema":{"type":"object"}}]}],`,
				geminiCall+`,{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"68F"}}},{"functionResponse":{"name":"get_weather","response":{"error":"no"}}}]}`), ""},
		{"gemini: fewer responses than calls", "/v1beta/models/g:generateContent", geminiHeaders,
			gemini("", geminiCall+`,{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"68F"}}}]}`), "number of function response parts"},
		{"gemini: a response that is not an object", "/v1beta/models/g:generateContent", geminiHeaders,
			gemini("", geminiCall+`,{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":"68F"}},{"functionResponse":{"name":"get_weather","response":{}}}]}`), "function_response.response"},
		{"gemini: a made-up thought signature", "/v1beta/models/g:generateContent", geminiHeaders,
			gemini("", strings.Replace(geminiCall, "skip_thought_signature_validator", "c2lnbmF0dXJl", 1)+`,{"role":"user","parts":[{"text":"go on"}]}`), "Corrupted thought signature"},
		{"gemini: an unknown role", "/v1beta/models/g:generateContent", geminiHeaders,
			gemini("", `{"role":"assistant","parts":[{"text":"hi"}]}`), "valid role"},
		{"gemini: parameters given twice", "/v1beta/models/g:generateContent", geminiHeaders,
			gemini(`"tools":[{"functionDeclarations":[{"name":"x","parameters":{"type":"OBJECT"},"parametersJsonSchema":{"type":"object"}}]}],`, `{"role":"model","parts":[{"text":"hi"}]}`), "must not be set when parameters is set"},
	} {
		s := New()
		s.Default(Reply{Text: "ok"})
		status, body := do(t, s, tc.path, tc.header, tc.body)
		s.Close()
		msg := gjson.Get(body, "error.message").Str
		switch {
		case tc.want == "" && status != 200:
			t.Errorf("%s: %d %s", tc.name, status, body)
		case tc.want != "" && (status != 400 || !strings.Contains(msg, tc.want)):
			t.Errorf("%s: %d %s, want a 400 saying %q", tc.name, status, body, tc.want)
		}
	}
}

func TestRequireThoughtSignatures(t *testing.T) {
	s := New()
	defer s.Close()
	s.RequireThoughtSignatures = true
	unsigned := `{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{}}}]},` +
		`{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"68F"}}}]}]}`
	status, body := do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, unsigned)
	if status != 400 || !strings.Contains(gjson.Get(body, "error.message").Str, "missing a thought_signature") {
		t.Fatalf("%d %s", status, body)
	}
	// The fake's own signature, as it answered it, passes.
	signed := strings.Replace(unsigned, `"args":{}}`, `"args":{}},"thoughtSignature":"`+signature("thought", "get_weather")+`"`, 1)
	if status, body := do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, signed); status != 200 {
		t.Fatalf("signed: %d %s", status, body)
	}
}

func TestBodiesAreKeptPerProtocol(t *testing.T) {
	s := New()
	defer s.Close()
	do(t, s, "/v1/messages", anthropicHeaders, anthropicBody)
	do(t, s, "/v1/chat/completions", openAIHeaders, openAIBody)
	do(t, s, "/v1/messages", map[string]string{}, `{"refused":true}`) // kept too: no key
	do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, geminiBody)
	do(t, s, "/v1/messages/count_tokens", anthropicHeaders, anthropicBody)
	got := s.Bodies("anthropic")
	if len(got) != 2 || string(got[0]) != anthropicBody || string(got[1]) != `{"refused":true}` {
		t.Fatalf("anthropic bodies %q", got)
	}
	if len(s.Bodies("openai")) != 1 || len(s.Bodies("gemini")) != 1 || len(s.Bodies("count_tokens")) != 1 || len(s.Bodies("responses")) != 0 {
		t.Fatalf("requests %+v", s.Requests())
	}
}
