package compat

import (
	"strconv"

	"github.com/keinetech/kaine/internal/jsonstr"
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
	prefix       []byte // each chunk's start, up to its choices
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
		dst = append(dst, s.prefix...)
		dst = append(dst, `{"index":0,"delta":{"content":`...)
		dst = jsonstr.Append(dst, d.Text)
		dst = append(dst, `},"finish_reason":null}]}`+"\n\n"...)
	case d.ToolCall != nil:
		dst = s.toolCallDelta(dst, d.ToolCall)
	}
	return dst
}

// toolCallDelta writes a piece of a tool call: its id and name first, then
// fragments of its arguments, by the call's index.
func (s *ChatStream) toolCallDelta(dst []byte, c *routing.ToolCallChunk) []byte {
	dst = append(dst, s.prefix...)
	dst = append(dst, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(c.Index), 10)
	if c.ID != "" {
		dst = append(dst, `,"id":`...)
		dst = jsonstr.Append(dst, c.ID)
		dst = append(dst, `,"type":"function","function":{"name":`...)
		dst = jsonstr.Append(dst, c.Name)
		dst = append(dst, `,"arguments":`...)
	} else {
		dst = append(dst, `,"function":{"arguments":`...)
	}
	dst = jsonstr.Append(dst, c.Arguments)
	return append(dst, `}}]},"finish_reason":null}]}`+"\n\n"...)
}

// End appends the last events of a complete answer: a refusal not yet
// sent, the finish reason, the usage when asked for, and [DONE].
func (s *ChatStream) End(dst []byte, out routing.Outcome) []byte {
	res := &out.Result
	if res.Refusal != "" {
		dst = s.choiceDelta(dst, string(jsonstr.Append([]byte(`{"refusal":`), res.Refusal))+"}", "null")
	}
	dst = s.choiceDelta(dst, "{}", `"`+openAIFinish(res.Finish, len(res.ToolCalls) > 0)+`"`)
	if s.includeUsage {
		dst = append(dst, s.prefix[:len(s.prefix)-len(`[`)]...)
		dst = append(dst, `[],"usage":`...)
		dst = appendChatUsage(dst, out.Usage)
		dst = append(dst, "}\n\n"...)
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
	p := jsonstr.Append([]byte(`data: {"id":`), s.id)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = strconv.AppendInt(p, s.created, 10)
	p = append(p, `,"model":`...)
	p = jsonstr.Append(p, model)
	return append(p, `,"choices":[`...)
}

// choiceDelta writes a chunk of one choice with a delta object and a
// finish reason, both JSON.
func (s *ChatStream) choiceDelta(dst []byte, delta, finish string) []byte {
	dst = append(dst, s.prefix...)
	dst = append(dst, `{"index":0,"delta":`...)
	dst = append(dst, delta...)
	dst = append(dst, `,"finish_reason":`...)
	dst = append(dst, finish...)
	return append(dst, "}]}\n\n"...)
}
