package compat

import (
	"encoding/json"
	"strconv"

	"github.com/keinetech/kaine/routing"
)

// ChatStream writes a streamed answer as OpenAI's chat.completion.chunk
// events: a first chunk with the role, one per piece of text or tool
// call, one with the finish reason, the usage chunk when asked for, and
// [DONE]. The model's thinking is not part of OpenAI's stream and is left
// out.
type ChatStream struct {
	id           string
	created      int64
	includeUsage bool
	prefix       []byte // each chunk's start, up to the choices
	started      bool
}

// NewChatStream starts the stream of completion id, created at its Unix
// time; includeUsage is stream_options.include_usage.
func NewChatStream(id string, created int64, includeUsage bool) *ChatStream {
	return &ChatStream{id: id, created: created, includeUsage: includeUsage}
}

// Delta appends to dst the events of one piece of the answer.
func (s *ChatStream) Delta(dst []byte, d routing.Delta) []byte {
	if !s.started {
		s.started = true
		s.prefix = s.chunkPrefix(d.Model.ID)
		dst = s.choiceDelta(dst, `{"role":"assistant","content":""}`, "null")
	}
	switch {
	case d.Text != "":
		dst = s.open(dst)
		dst = append(dst, `{"index":0,"delta":{"content":`...)
		dst = appendString(dst, d.Text)
		dst = append(dst, `},"finish_reason":null}]}`+"\n\n"...)
	case d.ToolCall != nil:
		dst = s.toolCallDelta(dst, d.ToolCall)
	}
	return dst
}

// toolCallDelta writes a piece of a tool call: its id and name first, then
// fragments of its arguments, by the call's index.
func (s *ChatStream) toolCallDelta(dst []byte, c *routing.ToolCallChunk) []byte {
	dst = s.open(dst)
	dst = append(dst, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(c.Index), 10)
	if c.ID != "" {
		dst = append(dst, `,"id":`...)
		dst = appendString(dst, c.ID)
		dst = append(dst, `,"type":"function","function":{"name":`...)
		dst = appendString(dst, c.Name)
		dst = append(dst, `,"arguments":`...)
	} else {
		dst = append(dst, `,"function":{"arguments":`...)
	}
	dst = appendString(dst, c.Arguments)
	return append(dst, `}}]},"finish_reason":null}]}`+"\n\n"...)
}

// End appends the last events of a complete answer: a refusal not yet
// sent, the finish reason, the usage when asked for, and [DONE].
func (s *ChatStream) End(dst []byte, out routing.Outcome) []byte {
	res := &out.Result
	if res.Refusal != "" {
		refusal, _ := json.Marshal(map[string]string{"refusal": res.Refusal}) // strings always encode
		dst = s.choiceDelta(dst, string(refusal), "null")
	}
	dst = s.choiceDelta(dst, "{}", strconv.Quote(openAIFinish(res.Finish, len(res.ToolCalls) > 0)))
	if s.includeUsage {
		usage, _ := json.Marshal(chatUsageOf(out.Usage)) // numbers always encode
		dst = s.open(dst)
		dst = append(dst[:len(dst)-len(`[`)], `[],"usage":`...)
		dst = append(append(dst, usage...), "}\n\n"...)
	}
	return append(dst, "data: [DONE]\n\n"...)
}

// Error appends an error event: the error body, then the stream ends
// without [DONE], which the OpenAI SDKs read as the call failing.
func (s *ChatStream) Error(dst, body []byte) []byte {
	dst = append(dst, "data: "...)
	dst = append(dst, body...)
	return append(dst, "\n\n"...)
}

// chunkPrefix is what every chunk starts with, up to its choices.
func (s *ChatStream) chunkPrefix(model string) []byte {
	p := append([]byte(`data: {"id":`), quote(s.id)...)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = strconv.AppendInt(p, s.created, 10)
	p = append(p, `,"model":`...)
	p = append(p, quote(model)...)
	return append(p, `,"choices":[`...)
}

// open starts a chunk, up to its first choice.
func (s *ChatStream) open(dst []byte) []byte { return append(dst, s.prefix...) }

// choiceDelta writes a chunk of one choice with a delta object and a
// finish reason, both JSON.
func (s *ChatStream) choiceDelta(dst []byte, delta, finish string) []byte {
	dst = s.open(dst)
	dst = append(dst, `{"index":0,"delta":`...)
	dst = append(dst, delta...)
	dst = append(dst, `,"finish_reason":`...)
	dst = append(dst, finish...)
	return append(dst, "}]}\n\n"...)
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte { return append(dst, quote(s)...) }

func quote(s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}
