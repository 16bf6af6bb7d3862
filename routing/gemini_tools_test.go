package routing

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestGeminiToolRequest(t *testing.T) {
	f := newFake(t)
	f.RequireThoughtSignatures = true // as Gemini 3 does
	c := NewGemini(f.URL, nil)
	// Another provider's calls get Google's signature for foreign calls on
	// the first; the results go back in the calls' order, by name.
	rebuilt := `{"systemInstruction":{"parts":[{"text":"Be terse."}]},"contents":[` +
		`{"role":"user","parts":[{"text":"Weather in SF and Paris?"}]},` +
		`{"role":"model","parts":[{"text":"Checking."},` +
		`{"functionCall":{"name":"get_weather","args":{"city":"SF"}},"thoughtSignature":"skip_thought_signature_validator"},` +
		`{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},` +
		`{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"output":"68F, sunny"}}},` +
		`{"functionResponse":{"name":"get_weather","response":{"error":"unknown city"}}}]}],` +
		`"tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather for a city","parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},{"name":"now"}]}],` +
		`"generationConfig":{"maxOutputTokens":256,"temperature":0.7}}`
	// Gemini's own turn, which gave the first call an id.
	native := `{"role":"model","parts":[{"functionCall":{"id":"call_1","name":"get_weather","args":{"city":"SF"}},"thoughtSignature":"skip_thought_signature_validator"},` +
		`{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]}`
	replayed := bytes.Replace([]byte(rebuilt), []byte(gjson.Get(rebuilt, "contents.1").Raw), []byte(native), 1)
	replayed = bytes.Replace(replayed, []byte(`{"functionResponse":{"name":"get_weather","response":{"output"`),
		[]byte(`{"functionResponse":{"id":"call_1","name":"get_weather","response":{"output"`), 1)
	for _, tc := range []struct {
		name   string
		native *NativeTurn
		want   string
	}{
		{"no native turn: rebuilt", nil, rebuilt},
		{"another protocol's turn: rebuilt", &NativeTurn{Protocol: "anthropic", Content: json.RawMessage(`[{"type":"text","text":"Checking."}]`)}, rebuilt},
		{"its own turn: replayed verbatim, its call id echoed", &NativeTurn{Protocol: "gemini", Content: json.RawMessage(native)}, string(replayed)},
	} {
		req := Request{System: "Be terse.", Messages: agentConversation(tc.native), Tools: []Tool{weatherTool, {Name: "now"}},
			MaxTokens: 256, Temperature: new(0.7)}
		res, err := c.Generate(t.Context(), testKey, &Model{ID: "gemini-test"}, req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := string(lastBody(t, f)); got != tc.want {
			t.Errorf("%s: body\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		if res.Native == nil || res.Native.Protocol != "gemini" || gjson.GetBytes(res.Native.Content, "role").Str != "model" {
			t.Errorf("%s: native %+v", tc.name, res.Native)
		}
	}
}

func TestGeminiThinking(t *testing.T) {
	f := newFake(t)
	c := NewGemini(f.URL, nil)
	flashLite := &Model{ID: "gemini-flash-lite-test", DisableThinking: true}
	for _, tc := range []struct {
		name  string
		model *Model
		req   Request
		want  string // generationConfig.thinkingConfig, "" for none
	}{
		{"asked: half max tokens, over DisableThinking", flashLite, Request{Prompt: "Hi", MaxTokens: 4096, Thinking: true}, `{"thinkingBudget":2048,"includeThoughts":true}`},
		{"asked with a large max tokens: the most Flash takes", &Model{ID: "g"}, Request{Prompt: "Hi", MaxTokens: 100_000, Thinking: true}, `{"thinkingBudget":24576,"includeThoughts":true}`},
		{"not asked", flashLite, Request{Prompt: "Hi", MaxTokens: 4096}, `{"thinkingBudget":0}`},
		{"asked, max tokens too small: the model's default", flashLite, Request{Prompt: "Hi", MaxTokens: 1000, Thinking: true}, `{"thinkingBudget":0}`},
		{"asked, max tokens too small: the model's default, its thoughts shown", &Model{ID: "g"}, Request{Prompt: "Hi", MaxTokens: 1000, Thinking: true}, `{"includeThoughts":true}`},
	} {
		if _, err := c.Generate(t.Context(), testKey, tc.model, tc.req); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := gjson.GetBytes(lastBody(t, f), "generationConfig.thinkingConfig").Raw; got != tc.want {
			t.Errorf("%s: thinkingConfig %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestGeminiFunctionCallsFromTheWire(t *testing.T) {
	content := `{"role":"model","parts":[{"text":"Looking.","thought":true},{"text":"Checking."},
  {"functionCall":{"name":"get_weather","args":{"city":"SF"}},"thoughtSignature":"CiQBVKhc7l5mzkoZ"},
  {"functionCall":{"id":"fc-9","name":"get_time"}}]}`
	srv := literalServer(t, 200, jsonHeader, `{"candidates":[{"content":`+content+`,"finishReason":"STOP","index":0}],
 "usageMetadata":{"promptTokenCount":80,"candidatesTokenCount":12,"thoughtsTokenCount":30,"totalTokenCount":122},
 "modelVersion":"gemini-3.8-flash","responseId":"mZ3bZ"}`)
	c := NewGemini(srv.URL, nil)
	// The conversation had one assistant turn: this answer is turn 1.
	msgs := []Message{{Role: RoleUser, Text: "Hi"}, {Role: RoleAssistant, Text: "Hello."}, {Role: RoleUser, Text: "Weather and time in SF?"}}
	res, err := c.Generate(t.Context(), testKey, &Model{ID: "gemini"}, Request{Messages: msgs, Tools: []Tool{weatherTool, {Name: "get_time"}}, MaxTokens: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Text: "Checking.", Model: "gemini-3.8-flash", StopReason: "STOP", Finish: FinishToolCalls, UsageSeen: true,
		Usage:    Usage{Input: 80, Output: 42, Reasoning: 30},
		Thinking: []ThinkingBlock{{Text: "Looking."}},
		ToolCalls: []ToolCall{
			{ID: "call_1_0", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}, // made up: Gemini gave none
			{ID: "fc-9", Name: "get_time", Input: json.RawMessage(`{}`)},                   // Gemini's own
		},
		Native: &NativeTurn{Protocol: "gemini", Content: json.RawMessage(content)}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
	// The same answer read again names its calls the same.
	again, err := c.Generate(t.Context(), testKey, &Model{ID: "gemini"}, Request{Messages: msgs, Tools: []Tool{weatherTool, {Name: "get_time"}}, MaxTokens: 1000})
	if err != nil || !reflect.DeepEqual(again.ToolCalls, want.ToolCalls) {
		t.Fatalf("read again: %+v %v", again.ToolCalls, err)
	}
}

func TestGeminiScriptedToolLoop(t *testing.T) {
	f := newFake(t)
	f.RequireThoughtSignatures = true
	c := NewGemini(f.URL, nil)
	model := &Model{ID: "gemini-3-test"}
	f.Enqueue(
		fakeupstream.Reply{Thinking: "Two cities.", ToolCalls: []fakeupstream.ToolCall{
			{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)},
			{Name: "get_weather", Input: json.RawMessage(`{"city":"Paris"}`)}}},
		fakeupstream.Reply{Text: "SF is sunny; Paris is unknown."},
	)
	msgs := []Message{{Role: RoleUser, Text: "Weather in SF and Paris?"}}
	req := Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 4096, Thinking: true}
	first, err := c.Generate(t.Context(), testKey, model, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Text != "" || len(first.ToolCalls) != 2 || first.ToolCalls[0].ID != "call_0_0" || first.ToolCalls[1].ID != "call_0_1" ||
		string(first.ToolCalls[1].Input) != `{"city":"Paris"}` {
		t.Fatalf("first answer %+v", first)
	}
	// Answered out of order: they go back in the calls' order.
	req.Messages = append(msgs,
		Message{Role: RoleAssistant, ToolCalls: first.ToolCalls, Native: first.Native},
		Message{Role: RoleUser, ToolResults: []ToolResult{
			{CallID: "call_0_1", Output: "unknown city", IsError: true},
			{CallID: "call_0_0", Output: "68F, sunny"}}})
	second, err := c.Generate(t.Context(), testKey, model, req)
	if err != nil || second.Text != "SF is sunny; Paris is unknown." || len(second.ToolCalls) != 0 {
		t.Fatalf("second answer %+v: %v", second, err)
	}
	body := lastBody(t, f)
	if gjson.GetBytes(body, "contents.1").Raw != string(first.Native.Content) ||
		gjson.GetBytes(body, "contents.2.parts.0.functionResponse.response.output").Str != "68F, sunny" ||
		gjson.GetBytes(body, "contents.2.parts.1.functionResponse.response.error").Str != "unknown city" {
		t.Fatalf("second request %s", body)
	}

	// A thought signature altered on the way is refused, as the API does.
	sig := gjson.GetBytes(first.Native.Content, "parts.1.thoughtSignature").Str
	req.Messages[1].Native = &NativeTurn{Protocol: "gemini", Content: bytes.Replace(first.Native.Content, []byte(sig), []byte("AAAA"), 1)}
	_, err = c.Generate(t.Context(), testKey, model, req)
	if up := upstreamErr(t, err); up.Status != 400 || up.Type != "INVALID_ARGUMENT" {
		t.Fatalf("altered signature: %+v", up)
	}
}
