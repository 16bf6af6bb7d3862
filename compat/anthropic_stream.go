package compat

import (
	"encoding/json"
	"strconv"

	"github.com/keinetech/kaine/routing"
)

// MessagesStream writes a streamed answer as Anthropic's events:
// message_start, each content block's start, deltas and stop, then
// message_delta with the stop reason and usage, and message_stop. A block
// opens when the kind of piece changes: thinking, text, or a new tool call.
type MessagesStream struct {
	id       string
	provider string
	started  bool
	open     string // the open block's kind: "thinking", "text", "tool_use"; "" for none
	call     int    // the open tool call's index
	index    int    // the next block's index
}

// NewMessagesStream starts the stream of message id.
func NewMessagesStream(id string) *MessagesStream { return &MessagesStream{id: id, call: -1} }

// Delta appends to dst the events of one piece of the answer.
func (s *MessagesStream) Delta(dst []byte, d routing.Delta) []byte {
	if !s.started {
		s.started, s.provider = true, d.Provider
		dst = s.event(dst, "message_start", `{"type":"message_start","message":{"id":`+string(quote(s.id))+
			`,"type":"message","role":"assistant","model":`+string(quote(d.Model.ID))+
			`,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}`)
	}
	switch c := d.Chunk; {
	case c.Thinking != "" || c.Signature != "":
		dst = s.ensure(dst, "thinking", `{"type":"thinking","thinking":"","signature":""}`)
		if c.Thinking != "" {
			dst = s.delta(dst, `{"type":"thinking_delta","thinking":`+string(quote(c.Thinking))+`}`)
		}
		if c.Signature != "" {
			dst = s.delta(dst, `{"type":"signature_delta","signature":`+string(quote(signatureOf(s.provider, c.Signature)))+`}`)
		}
	case c.Text != "":
		dst = s.ensure(dst, "text", `{"type":"text","text":""}`)
		dst = s.delta(dst, `{"type":"text_delta","text":`+string(quote(c.Text))+`}`)
	case c.ToolCall != nil:
		if c.ToolCall.ID != "" || c.ToolCall.Index != s.call {
			dst = s.closeBlock(dst)
			s.call = c.ToolCall.Index
			dst = s.ensure(dst, "tool_use", `{"type":"tool_use","id":`+string(quote(c.ToolCall.ID))+`,"name":`+string(quote(c.ToolCall.Name))+`,"input":{}}`)
		}
		if c.ToolCall.Arguments != "" {
			dst = s.delta(dst, `{"type":"input_json_delta","partial_json":`+string(quote(c.ToolCall.Arguments))+`}`)
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
		dst = s.delta(dst, `{"type":"text_delta","text":`+string(quote(res.Refusal))+`}`)
	}
	dst = s.closeBlock(dst)
	stopSequence := "null"
	if res.StopSequence != "" {
		stopSequence = string(quote(res.StopSequence))
	}
	usage, _ := json.Marshal(anthropicUsage(out.Usage)) // numbers always encode
	dst = s.event(dst, "message_delta", `{"type":"message_delta","delta":{"stop_reason":`+
		strconv.Quote(anthropicStopReason(res.Finish, len(res.ToolCalls) > 0))+`,"stop_sequence":`+stopSequence+`},"usage":`+string(usage)+`}`)
	return s.event(dst, "message_stop", `{"type":"message_stop"}`)
}

// Error appends an error event; the stream ends without message_stop,
// which the Anthropic SDKs read as the call failing.
func (s *MessagesStream) Error(dst, body []byte) []byte {
	return s.event(dst, "error", string(body))
}

// ensure opens a block of kind unless one of that kind is open (a new
// tool call closes the last one first).
func (s *MessagesStream) ensure(dst []byte, kind, block string) []byte {
	if s.open == kind {
		return dst
	}
	dst = s.closeBlock(dst)
	s.open = kind
	return s.event(dst, "content_block_start", `{"type":"content_block_start","index":`+strconv.Itoa(s.index)+`,"content_block":`+block+`}`)
}

func (s *MessagesStream) closeBlock(dst []byte) []byte {
	if s.open == "" {
		return dst
	}
	dst = s.event(dst, "content_block_stop", `{"type":"content_block_stop","index":`+strconv.Itoa(s.index)+`}`)
	s.open, s.index = "", s.index+1
	return dst
}

func (s *MessagesStream) delta(dst []byte, delta string) []byte {
	return s.event(dst, "content_block_delta", `{"type":"content_block_delta","index":`+strconv.Itoa(s.index)+`,"delta":`+delta+`}`)
}

func (s *MessagesStream) event(dst []byte, name, data string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, "\ndata: "...)
	dst = append(dst, data...)
	return append(dst, "\n\n"...)
}
