package routing

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// chunkRecorder keeps the pieces of a stream, without how they were
// batched (More, Flush), which TestABurstOfEventsIsFlushedOnce checks.
type chunkRecorder struct{ chunks []Chunk }

func (r *chunkRecorder) onChunk(c Chunk) error {
	if !c.Flush {
		c.More = false
		r.chunks = append(r.chunks, c)
	}
	return nil
}

// answerCase is a canned answer, as a provider sends it, and what a client
// reads from it.
type answerCase struct {
	name string
	body string
	want Result
}

func readAnswers(t *testing.T, newClient func(url string) Client, model *Model, req Request, cases []answerCase) {
	t.Helper()
	for _, tc := range cases {
		srv := literalServer(t, 200, jsonHeader, tc.body)
		res, err := newClient(srv.URL).Generate(t.Context(), testKey, model, req)
		if err != nil || !reflect.DeepEqual(res, tc.want) {
			t.Errorf("%s: %v\ngot  %+v\nwant %+v", tc.name, err, res, tc.want)
		}
	}
}

func TestAnthropicAnswers(t *testing.T) {
	usage := `"usage":{"input_tokens":10,"output_tokens":5}`
	read := Usage{Input: 10, Output: 5}
	readAnswers(t, func(url string) Client { return NewAnthropic(url, nil) }, &Model{ID: "claude-test"}, testRequest, []answerCase{
		{"a stop sequence", `{"type":"message","model":"claude-test","content":[{"type":"text","text":"1, 2, "}],"stop_reason":"stop_sequence","stop_sequence":"3",` + usage + `}`,
			Result{Text: "1, 2, ", Model: "claude-test", StopReason: "stop_sequence", Finish: FinishStopSequence, StopSequence: "3", UsageSeen: true, Usage: read}},
		{"a refusal", `{"type":"message","content":[],"stop_reason":"refusal",` + usage + `}`,
			Result{Model: "claude-test", StopReason: "refusal", Finish: FinishRefusal, UsageSeen: true, Usage: read}},
		{"thinking, redacted and signed", `{"type":"message","content":[{"type":"redacted_thinking","data":"EmwK"},{"type":"thinking","thinking":"Hmm.","signature":"c2ln"},{"type":"text","text":"Hi"}],"stop_reason":"end_turn",` + usage + `}`,
			Result{Text: "Hi", Model: "claude-test", StopReason: "end_turn", Finish: FinishStop, UsageSeen: true, Usage: read,
				Thinking: []ThinkingBlock{{Redacted: "EmwK"}, {Text: "Hmm.", Signature: "c2ln"}}}},
		{"the context window filled", `{"type":"message","content":[{"type":"text","text":"Long"}],"stop_reason":"model_context_window_exceeded",` + usage + `}`,
			Result{Text: "Long", Model: "claude-test", StopReason: "model_context_window_exceeded", Finish: FinishLength, UsageSeen: true, Usage: read}},
		{"a paused turn", `{"type":"message","content":[{"type":"text","text":"So far"}],"stop_reason":"pause_turn",` + usage + `}`,
			Result{Text: "So far", Model: "claude-test", StopReason: "pause_turn", Finish: FinishStop, UsageSeen: true, Usage: read}},
	})
}

func TestGeminiAnswers(t *testing.T) {
	readAnswers(t, func(url string) Client { return NewGemini(url, nil) }, &Model{ID: "gemini-test"}, withPrompt(func(r *Request) { r.Choices = 3 }), []answerCase{
		{"three candidates", `{"candidates":[
  {"content":{"role":"model","parts":[{"text":"Plan","thought":true},{"text":" it.","thought":true,"thoughtSignature":"czE="},{"text":"A"}]},"finishReason":"STOP","index":0},
  {"content":{"role":"model","parts":[{"functionCall":{"name":"now","args":{}}}]},"finishReason":"STOP","index":1},
  {"content":{"role":"model","parts":[{"text":"C"}]},"finishReason":"SAFETY","index":2}],
 "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":6,"thoughtsTokenCount":4},"modelVersion":"gemini-test-001"}`,
			Result{Text: "A", Model: "gemini-test-001", StopReason: "STOP", Finish: FinishStop, UsageSeen: true,
				Usage:    Usage{Input: 10, Output: 10, Reasoning: 4},
				Thinking: []ThinkingBlock{{Text: "Plan it.", Signature: "czE="}},
				More: []Choice{
					{ToolCalls: []ToolCall{{ID: "call_0_0", Name: "now", Input: json.RawMessage(`{}`)}}, Finish: FinishToolCalls},
					{Text: "C", Finish: FinishFiltered},
				}}},
		{"recitation", `{"candidates":[{"content":{"role":"model","parts":[{"text":"Once"}]},"finishReason":"RECITATION"}]}`,
			Result{Text: "Once", Model: "gemini-test", StopReason: "RECITATION", Finish: FinishFiltered}},
		{"a malformed call", `{"candidates":[{"content":{"role":"model"},"finishReason":"MALFORMED_FUNCTION_CALL"}]}`,
			Result{Model: "gemini-test", StopReason: "MALFORMED_FUNCTION_CALL", Finish: FinishStop}},
	})
}

func TestOpenAIAnswers(t *testing.T) {
	readAnswers(t, func(url string) Client { return NewOpenAI(url, nil) }, &Model{ID: "gpt-test"}, withPrompt(func(r *Request) { r.Choices = 2 }), []answerCase{
		{"two choices", `{"object":"chat.completion","model":"gpt-test-1","choices":[
  {"index":0,"message":{"role":"assistant","content":"A","refusal":null},"finish_reason":"stop"},
  {"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":"tool_calls"}],
 "usage":{"prompt_tokens":10,"completion_tokens":20,"completion_tokens_details":{"reasoning_tokens":5}}}`,
			Result{Text: "A", Model: "gpt-test-1", StopReason: "stop", Finish: FinishStop, UsageSeen: true, Usage: Usage{Input: 10, Output: 20, Reasoning: 5},
				More: []Choice{{ToolCalls: []ToolCall{{ID: "call_9", Name: "now", Input: json.RawMessage(`{}`)}}, Finish: FinishToolCalls}}}},
		{"a refusal", `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}`,
			Result{Model: "gpt-test", Refusal: "I can't help with that.", StopReason: "stop", Finish: FinishStop}},
		{"a legacy function call", `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"function_call"}]}`,
			Result{Text: "x", Model: "gpt-test", StopReason: "function_call", Finish: FinishToolCalls}},
		{"filtered", `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"content_filter"}]}`,
			Result{Model: "gpt-test", StopReason: "content_filter", Finish: FinishFiltered}},
	})
	// The Responses API, which a drop-in call brings, reports reasoning too.
	m := NewMeter("openai", "gpt-test", false)
	m.Answer([]byte(`{"object":"response","model":"gpt-5.4","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],
 "usage":{"input_tokens":10,"output_tokens":8,"output_tokens_details":{"reasoning_tokens":6}}}`))
	if u := m.Result().Usage; u != (Usage{Input: 10, Output: 8, Reasoning: 6}) {
		t.Errorf("responses usage %+v", u)
	}
}

// streamCase is a canned stream, in its provider's framing, and what a
// client hands on and reads from it.
type streamCase struct {
	name       string
	req        Request
	sse        string
	wantChunks []Chunk
	want       Result
	wantNative string // the turn kept for replay; "" for none
}

func readStreams(t *testing.T, newClient func(url string) Client, model *Model, cases []streamCase) {
	t.Helper()
	for _, tc := range cases {
		srv := literalServer(t, 200, sseHeader, tc.sse)
		rec := &chunkRecorder{}
		res, err := newClient(srv.URL).Stream(t.Context(), testKey, model, tc.req, rec.onChunk)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(rec.chunks, tc.wantChunks) {
			t.Errorf("%s: chunks\n%s\nwant\n%s", tc.name, chunksString(rec.chunks), chunksString(tc.wantChunks))
		}
		native := res.Native
		res.Native = nil
		if !reflect.DeepEqual(res, tc.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, res, tc.want)
		}
		switch {
		case tc.wantNative == "" && native != nil:
			t.Errorf("%s: a turn kept: %s", tc.name, native.Content)
		case tc.wantNative != "" && (native == nil || string(native.Content) != tc.wantNative):
			t.Errorf("%s: native turn %+v\nwant %s", tc.name, native, tc.wantNative)
		}
	}
}

func chunksString(chunks []Chunk) string {
	out := ""
	for _, c := range chunks {
		if c.ToolCall != nil {
			out += "  " + jsonString(*c.ToolCall) + "\n"
		} else {
			out += "  " + jsonString(c) + "\n"
		}
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func toolChunk(index int, id, name, args string) Chunk {
	return Chunk{ToolCall: &ToolCallChunk{Index: index, ID: id, Name: name, Arguments: args}}
}

func TestAnthropicStreams(t *testing.T) {
	event := func(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }
	start := event("message_start", `{"type":"message_start","message":{"model":"claude-test-1","content":[],"usage":{"input_tokens":50,"output_tokens":1}}}`)
	toolTurn := start +
		event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me "}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"check."}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2lnMQ=="}}`) +
		event("content_block_stop", `{"type":"content_block_stop","index":0}`) +
		event("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"EmwK"}}`) +
		event("content_block_stop", `{"type":"content_block_stop","index":1}`) +
		event("content_block_start", `{"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Checking."}}`) +
		event("content_block_stop", `{"type":"content_block_stop","index":2}`) +
		event("ping", `{"type":"ping"}`) +
		event("content_block_start", `{"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":""}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":" \"SF\"}"}}`) +
		event("content_block_stop", `{"type":"content_block_stop","index":3}`) +
		event("content_block_start", `{"type":"content_block_start","index":4,"content_block":{"type":"tool_use","id":"toolu_2","name":"now","input":{}}}`) +
		event("content_block_stop", `{"type":"content_block_stop","index":4}`) +
		event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":70}}`) +
		event("message_stop", `{"type":"message_stop"}`)
	stopped := start +
		event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
		event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"1, 2, "}}`) +
		event("content_block_stop", `{"type":"content_block_stop","index":0}`) +
		event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"3"},"usage":{"output_tokens":4}}`) +
		event("message_stop", `{"type":"message_stop"}`)
	readStreams(t, func(url string) Client { return NewAnthropic(url, nil) }, &Model{ID: "claude-test"}, []streamCase{
		{"thinking, text and calls in fragments", Request{Prompt: "Weather?", Tools: twoTools, MaxTokens: 4096, Thinking: true}, toolTurn,
			[]Chunk{{Thinking: "Let me "}, {Thinking: "check."}, {Signature: "c2lnMQ=="}, {Text: "Checking."},
				toolChunk(0, "toolu_1", "get_weather", ""), toolChunk(0, "", "", `{"city":`), toolChunk(0, "", "", ` "SF"}`),
				toolChunk(1, "toolu_2", "now", "")},
			Result{Text: "Checking.", Model: "claude-test-1", StopReason: "tool_use", Finish: FinishToolCalls, UsageSeen: true,
				Usage:    Usage{Input: 50, Output: 70},
				Thinking: []ThinkingBlock{{Text: "Let me check.", Signature: "c2lnMQ=="}, {Redacted: "EmwK"}},
				ToolCalls: []ToolCall{{ID: "toolu_1", Name: "get_weather", Input: json.RawMessage(`{"city": "SF"}`)},
					{ID: "toolu_2", Name: "now", Input: json.RawMessage(`{}`)}}},
			`[{"type":"thinking","thinking":"Let me check.","signature":"c2lnMQ=="},{"type":"redacted_thinking","data":"EmwK"},` +
				`{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"SF"}},` +
				`{"type":"tool_use","id":"toolu_2","name":"now","input":{}}]`},
		{"a stop sequence", testRequest, stopped, []Chunk{{Text: "1, 2, "}},
			Result{Text: "1, 2, ", Model: "claude-test-1", StopReason: "stop_sequence", Finish: FinishStopSequence, StopSequence: "3",
				UsageSeen: true, Usage: Usage{Input: 50, Output: 4}}, ""},
	})
}

func TestGeminiStreams(t *testing.T) {
	data := func(json string) string { return "data: " + json + "\r\n\r\n" }
	// The conversation had one assistant turn: the calls are turn 1's.
	msgs := []Message{{Role: RoleUser, Text: "Hi"}, {Role: RoleAssistant, Text: "Hello."}, {Role: RoleUser, Text: "Weather in SF?"}}
	sse := data(`{"candidates":[{"content":{"role":"model","parts":[{"text":"Let me ","thought":true}]},"index":0}],"usageMetadata":{"promptTokenCount":20},"modelVersion":"gemini-test-1"}`) +
		data(`{"candidates":[{"content":{"role":"model","parts":[{"text":"check.","thought":true,"thoughtSignature":"czE="}]},"index":0}]}`) +
		data(`{"candidates":[{"content":{"role":"model","parts":[{"text":"Check"},{"text":"ing."}]},"index":0}]}`) +
		data(`{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"SF"}},"thoughtSignature":"czI="}]},"finishReason":"STOP","index":0}],`+
			`"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":9,"thoughtsTokenCount":12}}`)
	readStreams(t, func(url string) Client { return NewGemini(url, nil) }, &Model{ID: "gemini-test"}, []streamCase{
		{"thoughts, text and a whole call", Request{Messages: msgs, Tools: twoTools, MaxTokens: 4096, Thinking: true}, sse,
			[]Chunk{{Thinking: "Let me "}, {Thinking: "check."}, {Signature: "czE="}, {Text: "Check"}, {Text: "ing."},
				toolChunk(0, "call_1_0", "get_weather", `{"city":"SF"}`)},
			Result{Text: "Checking.", Model: "gemini-test-1", StopReason: "STOP", Finish: FinishToolCalls, UsageSeen: true,
				Usage:     Usage{Input: 20, Output: 21, Reasoning: 12},
				Thinking:  []ThinkingBlock{{Text: "Let me check.", Signature: "czE="}},
				ToolCalls: []ToolCall{{ID: "call_1_0", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}},
			`{"role":"model","parts":[{"text":"Let me ","thought":true},{"text":"check.","thought":true,"thoughtSignature":"czE="},` +
				`{"text":"Checking."},{"functionCall":{"name":"get_weather","args":{"city":"SF"}},"thoughtSignature":"czI="}]}`},
		{"a blocked prompt", testRequest, data(`{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":8}}`), nil,
			Result{Model: "gemini-test", StopReason: "blocked: PROHIBITED_CONTENT", Finish: FinishFiltered, UsageSeen: true, Usage: Usage{Input: 8}}, ""},
	})
}

func TestOpenAIStreams(t *testing.T) {
	data := func(json string) string { return "data: " + json + "\n\n" }
	chunk := func(delta, finish string) string {
		return data(`{"object":"chat.completion.chunk","model":"gpt-test-1","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + finish + `}],"usage":null}`)
	}
	usage := data(`{"object":"chat.completion.chunk","model":"gpt-test-1","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":25,"completion_tokens_details":{"reasoning_tokens":16}}}`)
	calls := chunk(`{"role":"assistant","content":null}`, "null") +
		chunk(`{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}`, "null") +
		chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}`, "null") +
		chunk(`{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"now","arguments":"{}"}}]}`, "null") +
		chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"\"SF\"}"}}]}`, "null") +
		chunk(`{}`, `"tool_calls"`) + usage + "data: [DONE]\n\n"
	refusal := chunk(`{"role":"assistant","content":null,"refusal":""}`, "null") +
		chunk(`{"refusal":"I can't"}`, "null") + chunk(`{"refusal":" help."}`, "null") + chunk(`{}`, `"stop"`) + usage + "data: [DONE]\n\n"
	readStreams(t, func(url string) Client { return NewOpenAI(url, nil) }, &Model{ID: "gpt-test"}, []streamCase{
		{"calls in fragments, by index", Request{Prompt: "Weather?", Tools: twoTools, MaxTokens: 100}, calls,
			[]Chunk{toolChunk(0, "call_1", "get_weather", ""), toolChunk(0, "", "", `{"city":`), toolChunk(1, "call_2", "now", "{}"), toolChunk(0, "", "", `"SF"}`)},
			Result{Model: "gpt-test-1", StopReason: "tool_calls", Finish: FinishToolCalls, UsageSeen: true, Usage: Usage{Input: 30, Output: 25, Reasoning: 16},
				ToolCalls: []ToolCall{{ID: "call_1", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}, {ID: "call_2", Name: "now", Input: json.RawMessage(`{}`)}}},
			`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"SF\"}"}},` +
				`{"id":"call_2","type":"function","function":{"name":"now","arguments":"{}"}}]}`},
		{"a refusal", Request{Messages: []Message{{Role: RoleUser, Text: "Help me."}}, MaxTokens: 100}, refusal, nil,
			Result{Model: "gpt-test-1", Refusal: "I can't help.", StopReason: "stop", Finish: FinishStop, UsageSeen: true, Usage: Usage{Input: 30, Output: 25, Reasoning: 16}},
			`{"role":"assistant","content":null,"refusal":"I can't help."}`},
	})
}

// Pieces that arrive together are marked More, but the last of the burst;
// when the burst's last event carries no piece, a Flush follows instead.
// A piece alone is not held.
func TestABurstOfEventsIsFlushedOnce(t *testing.T) {
	chunk := func(text string) string {
		return `data: {"choices":[{"index":0,"delta":{"content":"` + text + `"}}]}` + "\n\n"
	}
	first := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		empty := `data: {"choices":[{"index":0,"delta":{}}]}` + "\n\n"
		io.WriteString(w, chunk("a")+chunk("b")+empty) // one burst, its last event without a piece
		w.(http.Flusher).Flush()
		<-first // the client has the burst before the next piece is sent
		io.WriteString(w, chunk("d")+`data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	var got []string
	_, err := NewOpenAI(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gpt-test"}, Request{Prompt: "hi", MaxTokens: 10}, func(c Chunk) error {
		switch {
		case c.Flush:
			got = append(got, "flush")
			if len(got) == 3 {
				close(first)
			}
		case c.More:
			got = append(got, c.Text+"+")
		default:
			got = append(got, c.Text)
		}
		return nil
	})
	// d came with the answer's end: held, then flushed at the end.
	if want := "a+ b+ flush d+ flush"; err != nil || strings.Join(got, " ") != want {
		t.Fatalf("pieces %q, %v; want %s", strings.Join(got, " "), err, want)
	}
}
