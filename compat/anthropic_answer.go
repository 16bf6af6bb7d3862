package compat

import (
	"encoding/json"
	"strconv"

	"github.com/keinetech/kaine/internal/jsonstr"
	"github.com/keinetech/kaine/routing"
)

// MessagesAnswer is the answer to a Messages call that did not stream, as
// Anthropic writes it: thinking first, then the text, then the tool calls.
func MessagesAnswer(id string, out routing.Outcome) []byte {
	res := &out.Result
	b := append(make([]byte, 0, 512), `{"id":`...)
	b = jsonstr.Append(b, id)
	b = append(b, `,"type":"message","role":"assistant","model":`...)
	b = jsonstr.Append(b, servedModel(out))
	b = append(b, `,"content":[`...)
	blocks := 0
	next := func() {
		if blocks > 0 {
			b = append(b, ',')
		}
		blocks++
	}
	for _, t := range res.Thinking {
		next()
		if t.Redacted != "" {
			b = append(b, `{"type":"redacted_thinking","data":`...)
			b = jsonstr.Append(b, markSigned(out.Provider, t.Redacted))
		} else {
			b = append(b, `{"type":"thinking","thinking":`...)
			b = jsonstr.Append(b, t.Text)
			b = append(b, `,"signature":`...)
			b = jsonstr.Append(b, markSigned(out.Provider, t.Signature))
		}
		b = append(b, '}')
	}
	if text := answerText(res); text != "" {
		next()
		b = append(b, `{"type":"text","text":`...)
		b = jsonstr.Append(b, text)
		b = append(b, '}')
	}
	for _, c := range res.ToolCalls {
		next()
		b = append(b, `{"type":"tool_use","id":`...)
		b = jsonstr.Append(b, c.ID)
		b = append(b, `,"name":`...)
		b = jsonstr.Append(b, c.Name)
		b = append(b, `,"input":`...)
		b = append(b, inputObject(c.Input)...)
		b = append(b, '}')
	}
	b = append(b, `],"stop_reason":"`...)
	b = append(b, anthropicStopReason(res.Finish, len(res.ToolCalls) > 0)...)
	b = append(b, `","stop_sequence":`...)
	if res.StopSequence != "" {
		b = jsonstr.Append(b, res.StopSequence)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"usage":`...)
	b = appendAnthropicUsage(b, out.Usage)
	return append(b, '}')
}

// answerText is the text of an answer, or its refusal.
func answerText(res *routing.Result) string {
	if res.Text == "" {
		return res.Refusal
	}
	return res.Text
}

// inputObject is a call's input as Anthropic's input object: a model may
// have written arguments that are not an object through another provider.
func inputObject(input json.RawMessage) json.RawMessage {
	if len(input) > 0 && input[0] == '{' && json.Valid(input) {
		return input
	}
	return json.RawMessage(`{}`)
}

// anthropicStopReason maps a finish to Anthropic's stop_reason.
func anthropicStopReason(f routing.Finish, calls bool) string {
	switch f {
	case routing.FinishStopSequence:
		return "stop_sequence"
	case routing.FinishLength:
		return "max_tokens"
	case routing.FinishToolCalls:
		return "tool_use"
	case routing.FinishRefusal, routing.FinishFiltered:
		return "refusal"
	case "":
		if calls {
			return "tool_use"
		}
	}
	return "end_turn"
}

// appendAnthropicUsage writes usage as Anthropic counts it: input_tokens
// without the cache, reads and writes apart.
func appendAnthropicUsage(b []byte, u routing.Usage) []byte {
	b = append(b, `{"input_tokens":`...)
	b = strconv.AppendInt(b, u.Input, 10)
	b = append(b, `,"output_tokens":`...)
	b = strconv.AppendInt(b, u.Output, 10)
	b = append(b, `,"cache_creation_input_tokens":`...)
	b = strconv.AppendInt(b, u.CacheWrite+u.CacheWrite1h, 10)
	b = append(b, `,"cache_read_input_tokens":`...)
	b = strconv.AppendInt(b, u.CacheRead, 10)
	b = append(b, `,"cache_creation":{"ephemeral_5m_input_tokens":`...)
	b = strconv.AppendInt(b, u.CacheWrite, 10)
	b = append(b, `,"ephemeral_1h_input_tokens":`...)
	b = strconv.AppendInt(b, u.CacheWrite1h, 10)
	return append(b, "}}"...)
}
