package compat

import (
	"strconv"

	"github.com/keinetech/kaine/internal/jsonstr"
	"github.com/keinetech/kaine/routing"
)

// MessagesStream writes a streamed answer as Anthropic's events:
// message_start, each content block's start, deltas and stop, then
// message_delta with the stop reason and usage, and message_stop. A block
// opens when the kind of piece changes (thinking, text, a new tool call);
// a thinking block ends with its signature. Blocks come in the order the
// provider wrote them.
type MessagesStream struct {
	id       string
	provider string
	started  bool
	open     string // the open block's kind: "thinking", "text", "tool_use"; "" for none
	call     int    // the open tool call's index
	index    int    // the open (or next) block's index
}

// NewMessagesStream starts the stream of message id.
func NewMessagesStream(id string) *MessagesStream { return &MessagesStream{id: id, call: -1} }

// Delta appends to dst the events of one piece of the answer.
func (s *MessagesStream) Delta(dst []byte, d routing.Delta) []byte {
	if !s.started {
		s.started, s.provider = true, d.Provider
		dst = s.eventStart(dst, "message_start")
		dst = append(dst, `{"type":"message_start","message":{"id":`...)
		dst = jsonstr.Append(dst, s.id)
		dst = append(dst, `,"type":"message","role":"assistant","model":`...)
		dst = jsonstr.Append(dst, d.Model.ID)
		dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}`+"\n\n"...)
	}
	switch c := d.Chunk; {
	case c.Thinking != "" || c.Signature != "":
		dst = s.ensure(dst, "thinking", `{"type":"thinking","thinking":"","signature":""}`)
		if c.Thinking != "" {
			dst = s.delta(dst, `{"type":"thinking_delta","thinking":`, c.Thinking)
		}
		if c.Signature != "" { // a signature ends its block
			dst = s.delta(dst, `{"type":"signature_delta","signature":`, markSigned(s.provider, c.Signature))
			dst = s.closeBlock(dst)
		}
	case c.Text != "":
		dst = s.ensure(dst, "text", `{"type":"text","text":""}`)
		dst = s.delta(dst, `{"type":"text_delta","text":`, c.Text)
	case c.ToolCall != nil:
		if call := c.ToolCall; call.ID != "" || call.Index != s.call {
			dst = s.closeBlock(dst)
			s.call, s.open = call.Index, "tool_use"
			dst = s.blockStart(dst)
			dst = append(dst, `{"type":"tool_use","id":`...)
			dst = jsonstr.Append(dst, call.ID)
			dst = append(dst, `,"name":`...)
			dst = jsonstr.Append(dst, call.Name)
			dst = append(dst, `,"input":{}}}`+"\n\n"...)
		}
		if c.ToolCall.Arguments != "" {
			dst = s.delta(dst, `{"type":"input_json_delta","partial_json":`, c.ToolCall.Arguments)
		}
	}
	return dst
}

// End appends the last events of a complete answer: a refusal not yet
// sent, the stop reason and usage, and message_stop.
func (s *MessagesStream) End(dst []byte, out routing.Outcome) []byte {
	res := &out.Result
	if res.Refusal != "" && res.Text == "" {
		dst = s.ensure(dst, "text", `{"type":"text","text":""}`)
		dst = s.delta(dst, `{"type":"text_delta","text":`, res.Refusal)
	}
	dst = s.closeBlock(dst)
	dst = s.eventStart(dst, "message_delta")
	dst = append(dst, `{"type":"message_delta","delta":{"stop_reason":"`...)
	dst = append(dst, anthropicStopReason(res.Finish, len(res.ToolCalls) > 0)...)
	dst = append(dst, `","stop_sequence":`...)
	if res.StopSequence != "" {
		dst = jsonstr.Append(dst, res.StopSequence)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `},"usage":`...)
	dst = appendAnthropicUsage(dst, out.Usage)
	dst = append(dst, "}\n\n"...)
	dst = s.eventStart(dst, "message_stop")
	return append(dst, `{"type":"message_stop"}`+"\n\n"...)
}

// Error appends an error event; the stream ends without message_stop,
// which the Anthropic SDKs read as the call failing.
func (s *MessagesStream) Error(dst, body []byte) []byte {
	dst = s.eventStart(dst, "error")
	dst = append(dst, body...)
	return append(dst, "\n\n"...)
}

// ensure opens a block of kind unless one of that kind is open.
func (s *MessagesStream) ensure(dst []byte, kind, block string) []byte {
	if s.open == kind {
		return dst
	}
	dst = s.closeBlock(dst)
	s.open = kind
	dst = s.blockStart(dst)
	dst = append(dst, block...)
	return append(dst, "}\n\n"...)
}

// blockStart writes a content_block_start event up to its block.
func (s *MessagesStream) blockStart(dst []byte) []byte {
	dst = s.eventStart(dst, "content_block_start")
	dst = append(dst, `{"type":"content_block_start","index":`...)
	dst = strconv.AppendInt(dst, int64(s.index), 10)
	return append(dst, `,"content_block":`...)
}

func (s *MessagesStream) closeBlock(dst []byte) []byte {
	if s.open == "" {
		return dst
	}
	dst = s.eventStart(dst, "content_block_stop")
	dst = append(dst, `{"type":"content_block_stop","index":`...)
	dst = strconv.AppendInt(dst, int64(s.index), 10)
	s.open, s.index = "", s.index+1
	return append(dst, "}\n\n"...)
}

// delta writes a content_block_delta: the delta's opening up to its one
// string field (head), then text as that field's value.
func (s *MessagesStream) delta(dst []byte, head, text string) []byte {
	dst = s.eventStart(dst, "content_block_delta")
	dst = append(dst, `{"type":"content_block_delta","index":`...)
	dst = strconv.AppendInt(dst, int64(s.index), 10)
	dst = append(dst, `,"delta":`...)
	dst = append(dst, head...)
	dst = jsonstr.Append(dst, text)
	return append(dst, "}}\n\n"...)
}

// eventStart writes an event's name and the start of its data line.
func (s *MessagesStream) eventStart(dst []byte, name string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	return append(dst, "\ndata: "...)
}
