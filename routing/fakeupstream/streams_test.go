package fakeupstream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// sseEvent is one event of a streamed answer.
type sseEvent struct {
	name string
	data gjson.Result
}

// parseSSE splits a stream into its events; eol is the provider's end of
// line.
func parseSSE(body, eol string) []sseEvent {
	var events []sseEvent
	for _, block := range strings.Split(strings.TrimSuffix(body, eol+eol), eol+eol) {
		var ev sseEvent
		for _, line := range strings.Split(block, eol) {
			if name, ok := strings.CutPrefix(line, "event: "); ok {
				ev.name = name
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				ev.data = gjson.Parse(data)
			}
		}
		events = append(events, ev)
	}
	return events
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var ca, cb bytes.Buffer
	if err := json.Compact(&ca, []byte(a)); err != nil {
		t.Errorf("%q is not JSON: %v", a, err)
		return false
	}
	if err := json.Compact(&cb, []byte(b)); err != nil {
		t.Errorf("%q is not JSON: %v", b, err)
		return false
	}
	return ca.String() == cb.String()
}

// parisCall has arguments with characters of several bytes, which a
// fragment must not split.
var parisCall = ToolCall{Name: "get_weather", Input: json.RawMessage(`{"city":"Paris 🇫🇷","unit":"°C"}`)}

func TestAnthropicStreamsThinkingAndToolCalls(t *testing.T) {
	s := New()
	defer s.Close()
	thinking := "SF first, then Paris."
	s.Enqueue(Reply{Thinking: thinking, Text: "Checking both.", ToolCalls: []ToolCall{weatherCall, parisCall},
		Usage: Usage{InputTokens: 20, OutputTokens: 9, Thoughts: 5}}, Reply{Text: "Done."})
	tools := `"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"thinking":{"type":"enabled","budget_tokens":2048},`
	status, body := do(t, s, "/v1/messages", anthropicHeaders,
		`{"model":"m","max_tokens":4096,"stream":true,`+tools+`"messages":[{"role":"user","content":"Weather?"}]}`)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}

	// Gather the blocks as an SDK does: start, then deltas by index.
	type block struct {
		start                     gjson.Result
		text, signature, partJSON strings.Builder
		fragments                 []string
	}
	var blocks []*block
	stop, ended := "", false
	for _, ev := range parseSSE(body, "\n") {
		switch ev.name {
		case "content_block_start":
			if ev.data.Get("index").Int() != int64(len(blocks)) {
				t.Fatalf("block %s out of order", ev.data.Raw)
			}
			blocks = append(blocks, &block{start: ev.data.Get("content_block")})
		case "content_block_delta":
			b, d := blocks[ev.data.Get("index").Int()], ev.data.Get("delta")
			switch d.Get("type").Str {
			case "thinking_delta":
				b.text.WriteString(d.Get("thinking").Str)
			case "signature_delta":
				b.signature.WriteString(d.Get("signature").Str)
			case "text_delta":
				b.text.WriteString(d.Get("text").Str)
			case "input_json_delta":
				b.partJSON.WriteString(d.Get("partial_json").Str)
				b.fragments = append(b.fragments, d.Get("partial_json").Str)
			}
		case "message_delta":
			stop = ev.data.Get("delta.stop_reason").Str
			if ev.data.Get("usage.output_tokens").Int() != 14 {
				t.Errorf("usage %s", ev.data.Raw)
			}
		case "message_stop":
			ended = true
		}
	}
	if len(blocks) != 4 || !ended || stop != "tool_use" {
		t.Fatalf("%d blocks, ended %v, stop %q: %s", len(blocks), ended, stop, body)
	}
	if b := blocks[0]; b.start.Get("type").Str != "thinking" || b.text.String() != thinking || b.signature.String() != signature("thinking", thinking) {
		t.Errorf("thinking block %s %q %q", b.start.Raw, b.text.String(), b.signature.String())
	}
	if b := blocks[1]; b.start.Get("type").Str != "text" || b.text.String() != "Checking both." {
		t.Errorf("text block %s %q", b.start.Raw, b.text.String())
	}
	for i, want := range []ToolCall{weatherCall, parisCall} {
		b := blocks[2+i]
		if b.start.Get("type").Str != "tool_use" || b.start.Get("name").Str != want.Name || b.start.Get("input").Raw != "{}" ||
			!strings.HasPrefix(b.start.Get("id").Str, "toolu_fake_") {
			t.Errorf("call %d starts %s", i, b.start.Raw)
		}
		if len(b.fragments) < 3 || b.fragments[0] != "" || !sameJSON(t, b.partJSON.String(), string(want.Input)) {
			t.Errorf("call %d fragments %q", i, b.fragments)
		}
	}

	// The blocks as gathered go back as the next turn, signature checked.
	call := func(i int) string {
		return `{"type":"tool_use","id":"` + blocks[i].start.Get("id").Str + `","name":"get_weather","input":` + blocks[i].partJSON.String() + `}`
	}
	result := func(i int) string {
		return `{"type":"tool_result","tool_use_id":"` + blocks[i].start.Get("id").Str + `","content":"68F"}`
	}
	thinkingBlock, _ := json.Marshal(map[string]string{"type": "thinking", "thinking": blocks[0].text.String(), "signature": blocks[0].signature.String()})
	next := `{"model":"m","max_tokens":4096,` + tools + `"messages":[{"role":"user","content":"Weather?"},` +
		`{"role":"assistant","content":[` + string(thinkingBlock) + `,{"type":"text","text":"Checking both."},` + call(2) + `,` + call(3) + `]},` +
		`{"role":"user","content":[` + result(2) + `,` + result(3) + `]}]}`
	if status, body := do(t, s, "/v1/messages", anthropicHeaders, next); status != 200 {
		t.Fatalf("replayed turn: %d %s", status, body)
	}
}

func TestOpenAIStreamsToolCallsAndCountsReasoning(t *testing.T) {
	s := New()
	defer s.Close()
	s.Enqueue(Reply{Thinking: "hidden", Text: "Checking.", ToolCalls: []ToolCall{weatherCall, parisCall},
		Usage: Usage{InputTokens: 20, OutputTokens: 9, Thoughts: 5}}, Reply{Text: "Done."})
	tools := `"tools":[{"type":"function","function":{"name":"get_weather"}}],`
	status, body := do(t, s, "/v1/chat/completions", openAIHeaders,
		`{"model":"m","stream":true,"stream_options":{"include_usage":true},`+tools+`"messages":[{"role":"user","content":"Weather?"}]}`)
	if status != 200 || strings.Contains(body, "hidden") {
		t.Fatalf("%d %s", status, body)
	}
	type callSoFar struct {
		id, name  string
		arguments strings.Builder
		fragments int
	}
	var calls []*callSoFar
	var text strings.Builder
	finish, reasoning := "", int64(-1)
	for _, ev := range parseSSE(body, "\n") {
		if u := ev.data.Get("usage"); u.IsObject() {
			reasoning = u.Get("completion_tokens_details.reasoning_tokens").Int()
		}
		choice := ev.data.Get("choices.0")
		if f := choice.Get("finish_reason").Str; f != "" {
			finish = f
		}
		text.WriteString(choice.Get("delta.content").Str)
		for _, tc := range choice.Get("delta.tool_calls").Array() {
			i := int(tc.Get("index").Int())
			if id := tc.Get("id").Str; id != "" {
				if i != len(calls) || tc.Get("type").Str != "function" || tc.Get("function.arguments").Str != "" {
					t.Fatalf("a call starts %s", tc.Raw)
				}
				calls = append(calls, &callSoFar{id: id, name: tc.Get("function.name").Str})
				continue
			}
			calls[i].arguments.WriteString(tc.Get("function.arguments").Str)
			calls[i].fragments++
		}
	}
	if text.String() != "Checking." || finish != "tool_calls" || reasoning != 5 || len(calls) != 2 || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("text %q, finish %q, reasoning %d, %d calls: %s", text.String(), finish, reasoning, len(calls), body)
	}
	for i, want := range []ToolCall{weatherCall, parisCall} {
		if c := calls[i]; c.name != want.Name || c.fragments < 2 || !sameJSON(t, c.arguments.String(), string(want.Input)) {
			t.Errorf("call %d: %+v %q", i, c, c.arguments.String())
		}
	}
	assistant, _ := json.Marshal(map[string]any{"role": "assistant", "content": "Checking.", "tool_calls": []any{
		map[string]any{"id": calls[0].id, "type": "function", "function": map[string]string{"name": "get_weather", "arguments": calls[0].arguments.String()}},
		map[string]any{"id": calls[1].id, "type": "function", "function": map[string]string{"name": "get_weather", "arguments": calls[1].arguments.String()}},
	}})
	next := `{"model":"m",` + tools + `"messages":[{"role":"user","content":"Weather?"},` + string(assistant) +
		`,{"role":"tool","tool_call_id":"` + calls[0].id + `","content":"68F"},{"role":"tool","tool_call_id":"` + calls[1].id + `","content":"12C"}]}`
	if status, body := do(t, s, "/v1/chat/completions", openAIHeaders, next); status != 200 {
		t.Fatalf("replayed turn: %d %s", status, body)
	}
}

func TestGeminiStreamsThoughtsOnlyWhenAskedAndCallsWhole(t *testing.T) {
	for _, includeThoughts := range []bool{true, false} {
		s := New()
		s.RequireThoughtSignatures = true
		reply := Reply{Thinking: "Two cities.", Text: "Checking.", ToolCalls: []ToolCall{weatherCall, parisCall},
			Usage: Usage{InputTokens: 20, OutputTokens: 9, Thoughts: 5}}
		s.Enqueue(reply, Reply{Text: "Done."})
		tools := `"tools":[{"functionDeclarations":[{"name":"get_weather"}]}],`
		config := `"generationConfig":{"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":` + strconv.FormatBool(includeThoughts) + `}},`
		status, body := do(t, s, "/v1beta/models/g:streamGenerateContent?alt=sse", geminiHeaders,
			`{`+config+tools+`"contents":[{"role":"user","parts":[{"text":"Weather?"}]}]}`)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var thoughts, text strings.Builder
		var callParts []gjson.Result
		events := parseSSE(body, "\r\n")
		for i, ev := range events {
			candidate := ev.data.Get("candidates.0")
			if finish := candidate.Get("finishReason").Str; (finish != "") != (i == len(events)-1) || (finish != "" && finish != "STOP") {
				t.Errorf("event %d finishes %q", i, finish)
			}
			if ev.data.Get("usageMetadata.thoughtsTokenCount").Int() != 5 {
				t.Errorf("event %d usage %s", i, ev.data.Get("usageMetadata").Raw)
			}
			parts := candidate.Get("content.parts").Array()
			for _, part := range parts {
				switch {
				case part.Get("functionCall").Exists():
					if len(parts) != len(reply.ToolCalls) {
						t.Errorf("calls split across events: %s", ev.data.Raw)
					}
					callParts = append(callParts, part)
				case part.Get("thought").Bool():
					thoughts.WriteString(part.Get("text").Str)
				default:
					text.WriteString(part.Get("text").Str)
				}
			}
		}
		wantThoughts := ""
		if includeThoughts {
			wantThoughts = reply.Thinking
		}
		if thoughts.String() != wantThoughts || text.String() != "Checking." || len(callParts) != 2 ||
			callParts[0].Get("thoughtSignature").Str == "" || callParts[1].Get("thoughtSignature").Exists() ||
			!sameJSON(t, callParts[1].Get("functionCall.args").Raw, string(parisCall.Input)) {
			t.Errorf("includeThoughts %v: thoughts %q, text %q, calls %v", includeThoughts, thoughts.String(), text.String(), callParts)
		}
		// The call parts as streamed go back as the model's turn.
		var raw []string
		for _, p := range callParts {
			raw = append(raw, p.Raw)
		}
		next := `{` + tools + `"contents":[{"role":"user","parts":[{"text":"Weather?"}]},{"role":"model","parts":[` + strings.Join(raw, ",") + `]},` +
			`{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"68F"}}},{"functionResponse":{"name":"get_weather","response":{"output":"12C"}}}]}]}`
		if status, body := do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, next); status != 200 {
			t.Errorf("replayed turn: %d %s", status, body)
		}
		s.Close()
	}
}

// A plain answer shows Gemini's thoughts only when asked, as a stream
// does.
func TestGeminiAnswersThoughtsOnlyWhenAsked(t *testing.T) {
	s := New()
	defer s.Close()
	s.Default(Reply{Thinking: "Hmm.", Text: "Hi.", Usage: Usage{Thoughts: 3}})
	for _, tc := range []struct{ config, want string }{
		{``, `[{"text":"Hi."}]`},
		{`"generationConfig":{"thinkingConfig":{"includeThoughts":false}},`, `[{"text":"Hi."}]`},
		{`"generationConfig":{"thinkingConfig":{"includeThoughts":true}},`, `[{"text":"Hmm.","thought":true},{"text":"Hi."}]`},
	} {
		_, body := do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, `{`+tc.config+`"contents":[{"parts":[{"text":"hi"}]}]}`)
		if !sameJSON(t, gjson.Get(body, "candidates.0.content.parts").Raw, tc.want) || gjson.Get(body, "usageMetadata.thoughtsTokenCount").Int() != 3 {
			t.Errorf("%s: %s", tc.config, body)
		}
	}
}

// post sends a request whose answer may break off, returning what arrived.
func post(t *testing.T, s *Server, path string, header map[string]string, body string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body) // a cut stream ends in an error
	return string(raw)
}

// CutAfter counts the events that carry the answer, whatever their kind:
// thinking, signatures, text, a call's start or fragments.
func TestCutAfterCountsEveryKindOfChunk(t *testing.T) {
	calls := []ToolCall{weatherCall}
	for _, tc := range []struct {
		name, path, body string
		header           map[string]string
		reply            Reply
		isChunk          func(sseEvent) bool
		eol, end         string
	}{
		// thinking "a", " b", the signature, then the call's empty first fragment
		{"anthropic", "/v1/messages", `{"model":"m","max_tokens":10,"stream":true,"tools":[{"name":"get_weather","input_schema":{}}],"messages":[{"role":"user","content":"hi"}]}`,
			anthropicHeaders, Reply{Thinking: "a b", ToolCalls: calls, CutAfter: 4},
			func(ev sseEvent) bool { return ev.name == "content_block_delta" }, "\n", "message_stop"},
		// the text, the call's start, its first fragment
		{"openai", "/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			openAIHeaders, Reply{Text: "a", ToolCalls: calls, CutAfter: 3},
			func(ev sseEvent) bool {
				return ev.data.Get("choices.0.delta.role").Str == "" && ev.data.Get("choices.0.delta").Raw != "{}"
			},
			"\n", "[DONE]"},
		// "a", then " b"; the calls would come next
		{"gemini", "/v1beta/models/g:streamGenerateContent?alt=sse", geminiBody,
			geminiHeaders, Reply{Text: "a b", ToolCalls: calls, CutAfter: 2},
			func(ev sseEvent) bool { return true }, "\r\n", "functionCall"},
	} {
		s := New()
		s.Default(tc.reply)
		body := post(t, s, tc.path, tc.header, tc.body)
		s.Close()
		chunks := 0
		for _, ev := range parseSSE(body, tc.eol) {
			if tc.isChunk(ev) {
				chunks++
			}
		}
		if chunks != tc.reply.CutAfter || strings.Contains(body, tc.end) {
			t.Errorf("%s: %d chunks before the cut: %s", tc.name, chunks, body)
		}
	}
}
