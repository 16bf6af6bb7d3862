package compat

import (
	"encoding/json"
	"strconv"

	"github.com/keinetech/kaine/internal/jsonstr"
	"github.com/keinetech/kaine/routing"
)

// ChatCompletion is the answer to a call that did not stream, as OpenAI
// writes it: id is the completion's id, created its Unix time.
func ChatCompletion(id string, created int64, out routing.Outcome) []byte {
	res := &out.Result
	b := append(make([]byte, 0, 512), `{"id":`...)
	b = jsonstr.Append(b, id)
	b = append(b, `,"object":"chat.completion","created":`...)
	b = strconv.AppendInt(b, created, 10)
	b = append(b, `,"model":`...)
	b = jsonstr.Append(b, servedModel(out))
	b = append(b, `,"choices":[`...)
	b = appendChoice(b, 0, res.Text, res.Refusal, res.ToolCalls, res.Finish)
	for i, c := range res.More {
		b = append(b, ',')
		b = appendChoice(b, i+1, c.Text, "", c.ToolCalls, c.Finish)
	}
	b = append(b, `],"usage":`...)
	b = appendChatUsage(b, out.Usage)
	return append(b, '}')
}

// servedModel is the catalog's id of the model that answered, which a
// stream names in its first event too (the provider's own name, a dated
// snapshot, comes only at its end).
func servedModel(out routing.Outcome) string {
	if out.Model != nil {
		return out.Model.ID
	}
	return ""
}

// appendChoice writes one choice: content is null beside tool calls or a
// refusal alone, and refusal null unless the model refused.
func appendChoice(b []byte, i int, text, refusal string, calls []routing.ToolCall, finish routing.Finish) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"message":{"role":"assistant","content":`...)
	if text != "" || len(calls) == 0 && refusal == "" {
		b = jsonstr.Append(b, text)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"refusal":`...)
	if refusal != "" {
		b = jsonstr.Append(b, refusal)
	} else {
		b = append(b, "null"...)
	}
	if len(calls) > 0 {
		b = append(b, `,"tool_calls":[`...)
		for j, c := range calls {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = jsonstr.Append(b, c.ID)
			b = append(b, `,"type":"function","function":{"name":`...)
			b = jsonstr.Append(b, c.Name)
			b = append(b, `,"arguments":`...)
			b = jsonstr.Append(b, arguments(c.Input))
			b = append(b, "}}"...)
		}
		b = append(b, ']')
	}
	b = append(b, `},"logprobs":null,"finish_reason":"`...)
	b = append(b, openAIFinish(finish, len(calls) > 0)...)
	return append(b, `"}`...)
}

// arguments is a call's input as OpenAI's arguments string: the JSON, or
// the text the model wrote when it was not JSON (kept as a JSON string).
func arguments(input json.RawMessage) string {
	var s string
	if len(input) > 0 && input[0] == '"' && json.Unmarshal(input, &s) == nil {
		return s
	}
	if len(input) == 0 {
		return "{}"
	}
	return string(input)
}

// openAIFinish maps a finish to OpenAI's finish_reason. A refusal ends
// with stop, its text in the refusal field.
func openAIFinish(f routing.Finish, calls bool) string {
	switch f {
	case routing.FinishLength:
		return "length"
	case routing.FinishToolCalls:
		return "tool_calls"
	case routing.FinishFiltered:
		return "content_filter"
	case "":
		if calls {
			return "tool_calls"
		}
	}
	return "stop"
}

// appendChatUsage writes usage as OpenAI counts it: prompt_tokens with
// every cached token, completion_tokens with the reasoning.
func appendChatUsage(b []byte, u routing.Usage) []byte {
	prompt := u.PromptTokens()
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, prompt, 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, u.Output, 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, prompt+u.Output, 10)
	b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
	b = strconv.AppendInt(b, u.CacheRead, 10)
	b = append(b, `},"completion_tokens_details":{"reasoning_tokens":`...)
	b = strconv.AppendInt(b, u.Reasoning, 10)
	return append(b, "}}"...)
}
