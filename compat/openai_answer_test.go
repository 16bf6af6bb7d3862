package compat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/keinetech/kaine/routing"
)

var sonnet = &routing.Model{ID: "claude-sonnet-4-6", Alias: "sonnet", Provider: "anthropic"}

// TestEveryResultFieldReachesTheChatAnswer sets each field of the router's
// Result in turn and fails if the answer does not change: a field the
// front would drop. The fields OpenAI's answer has no place for are
// listed, with why.
func TestEveryResultFieldReachesTheChatAnswer(t *testing.T) {
	notShown := map[string]string{
		"UsageSeen":    "how the usage was known; the usage itself is shown",
		"StopReason":   "the provider's own word; Finish is its meaning, shown as finish_reason",
		"StopSequence": "OpenAI's answer does not say which stop sequence ended it",
		"Thinking":     "OpenAI's chat answer has no thinking; reasoning tokens are counted in usage",
		"Native":       "the provider's turn, for replaying a conversation inside Kaine",
		"Model":        "the provider's own name for the model; the answer names the catalog's, as a stream must",
	}
	base := routing.Outcome{Model: sonnet, Result: routing.Result{Text: "Hi."}}
	baseJSON := ChatCompletion("chatcmpl-1", 1, base)
	values := map[string]any{
		"Text":      "Other.",
		"Usage":     routing.Usage{Input: 1},
		"Finish":    routing.FinishLength,
		"Refusal":   "I can't help with that.",
		"ToolCalls": []routing.ToolCall{{ID: "call_1", Name: "f", Input: json.RawMessage(`{}`)}},
		"More":      []routing.Choice{{Text: "Another."}},
	}
	rt := reflect.TypeFor[routing.Result]()
	for i := range rt.NumField() {
		name := rt.Field(i).Name
		if _, skip := notShown[name]; skip {
			continue
		}
		v, ok := values[name]
		if !ok {
			t.Errorf("Result.%s: no test value; add one, or say in notShown why OpenAI's answer has no place for it", name)
			continue
		}
		out := base
		reflect.ValueOf(&out.Result).Elem().Field(i).Set(reflect.ValueOf(v))
		if name == "Usage" {
			out.Usage = v.(routing.Usage) // the billed usage is what is shown
		}
		got := ChatCompletion("chatcmpl-1", 1, out)
		if string(got) == string(baseJSON) || !json.Valid(got) {
			t.Errorf("Result.%s: the answer did not change, or is not JSON: %s", name, got)
		}
	}
}

func TestChatCompletionReadsInTheOpenAISDK(t *testing.T) {
	out := routing.Outcome{Model: sonnet, Result: routing.Result{Model: "claude-sonnet-4-6", Text: "Checking.", Finish: routing.FinishToolCalls,
		ToolCalls: []routing.ToolCall{{ID: "toolu_1", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}},
		More:      []routing.Choice{{Text: "Sunny.", Finish: routing.FinishStop}}},
		Usage: routing.Usage{Input: 10, CacheRead: 5, CacheWrite: 2, Output: 7, Reasoning: 3}}
	body := ChatCompletion("chatcmpl-abc", 1764300000, out)
	var c openai.ChatCompletion
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	first := c.Choices[0]
	switch {
	case c.ID != "chatcmpl-abc" || c.Created != 1764300000 || c.Model != "claude-sonnet-4-6" || string(c.Object) != "chat.completion":
		t.Errorf("envelope: %s", body)
	case first.FinishReason != "tool_calls" || first.Message.Content != "Checking." || first.Message.ToolCalls[0].Function.Arguments != `{"city":"SF"}`:
		t.Errorf("first choice: %s", body)
	case len(c.Choices) != 2 || c.Choices[1].Index != 1 || c.Choices[1].Message.Content != "Sunny." || c.Choices[1].FinishReason != "stop":
		t.Errorf("second choice: %s", body)
	case c.Usage.PromptTokens != 17 || c.Usage.CompletionTokens != 7 || c.Usage.TotalTokens != 24 ||
		c.Usage.PromptTokensDetails.CachedTokens != 5 || c.Usage.CompletionTokensDetails.ReasoningTokens != 3:
		t.Errorf("usage: %s", body)
	}
	if !strings.Contains(string(body), `"refusal":null`) {
		t.Errorf("the message's refusal must be there, null: %s", body)
	}
}

func TestChatFinishReasons(t *testing.T) {
	for finish, want := range map[routing.Finish]string{routing.FinishStop: "stop", routing.FinishStopSequence: "stop",
		routing.FinishLength: "length", routing.FinishToolCalls: "tool_calls", routing.FinishFiltered: "content_filter", routing.FinishRefusal: "stop"} {
		if got := openAIFinish(finish, false); got != want {
			t.Errorf("%s: %s, want %s", finish, got, want)
		}
	}
	if openAIFinish("", true) != "tool_calls" || openAIFinish("", false) != "stop" {
		t.Error("an unknown finish is tool_calls after calls, else stop")
	}
}

// streamEvents splits a stream into its data payloads.
func streamEvents(t *testing.T, stream []byte) []string {
	t.Helper()
	var events []string
	for ev := range strings.SplitSeq(strings.TrimSuffix(string(stream), "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok {
			t.Fatalf("event %q is not a data line", ev)
		}
		events = append(events, data)
	}
	return events
}

func TestChatStreamReadsInTheOpenAISDK(t *testing.T) {
	s := NewChatStream("chatcmpl-s", 5, true)
	var b []byte
	for _, c := range []routing.Chunk{
		{Thinking: "Let me see."}, // not part of OpenAI's stream
		{Text: "Check"}, {Text: "ing \"SF\"."},
		{ToolCall: &routing.ToolCallChunk{Index: 0, ID: "toolu_1", Name: "get_weather"}},
		{ToolCall: &routing.ToolCallChunk{Index: 0, Arguments: `{"city":`}},
		{ToolCall: &routing.ToolCallChunk{Index: 0, Arguments: `"SF"}`}},
		{ToolCall: &routing.ToolCallChunk{Index: 1, ID: "call_0_1", Name: "get_time", Arguments: `{}`}},
	} {
		b = s.Delta(b, routing.Delta{Provider: "anthropic", Model: sonnet, Chunk: c})
	}
	b = s.End(b, routing.Outcome{Model: sonnet, Result: routing.Result{Finish: routing.FinishToolCalls}, Usage: routing.Usage{Input: 3, Output: 4}})
	events := streamEvents(t, b)
	if events[len(events)-1] != "[DONE]" {
		t.Fatalf("the stream does not end with [DONE]: %s", b)
	}
	var acc openai.ChatCompletionAccumulator
	var usage openai.CompletionUsage
	for _, data := range events[:len(events)-1] {
		var chunk openai.ChatCompletionChunk
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		if chunk.ID != "chatcmpl-s" || chunk.Model != "claude-sonnet-4-6" || string(chunk.Object) != "chat.completion.chunk" {
			t.Fatalf("chunk envelope: %s", data)
		}
		if !acc.AddChunk(chunk) {
			t.Fatalf("the SDK's accumulator refused %s", data)
		}
		if chunk.JSON.Usage.Valid() {
			usage = chunk.Usage
		}
	}
	msg := acc.Choices[0].Message
	switch {
	case msg.Content != `Checking "SF".`:
		t.Errorf("content %q", msg.Content)
	case len(msg.ToolCalls) != 2 || msg.ToolCalls[0].ID != "toolu_1" || msg.ToolCalls[0].Function.Arguments != `{"city":"SF"}` ||
		msg.ToolCalls[1].Function.Name != "get_time":
		t.Errorf("tool calls %+v", msg.ToolCalls)
	case acc.Choices[0].FinishReason != "tool_calls":
		t.Errorf("finish %q", acc.Choices[0].FinishReason)
	case usage.PromptTokens != 3 || usage.CompletionTokens != 4:
		t.Errorf("usage %+v", usage)
	case strings.Contains(string(b), "Let me see"):
		t.Errorf("thinking leaked into the stream")
	}
}

func TestChatStreamWithoutUsageAndWithARefusal(t *testing.T) {
	s := NewChatStream("chatcmpl-r", 5, false)
	b := s.Delta(nil, routing.Delta{Model: sonnet})
	b = s.End(b, routing.Outcome{Model: sonnet, Result: routing.Result{Refusal: "No."}})
	if strings.Contains(string(b), `"usage"`) || !strings.Contains(string(b), `"delta":{"refusal":"No."}`) {
		t.Errorf("stream %s", b)
	}
	e := s.Error(nil, []byte(`{"error":{"message":"x"}}`))
	if string(e) != "data: {\"error\":{\"message\":\"x\"}}\n\n" {
		t.Errorf("error event %q", e)
	}
}
