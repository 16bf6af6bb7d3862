package routing

import (
	"encoding/json"

	"github.com/tidwall/gjson"
)

// anthropicStream reads a streamed message's content blocks into chunks,
// and keeps their order to rebuild the message's content for replay.
type anthropicStream struct {
	*streamedAnswer
	blocks []anthropicBlockRef
}

// anthropicBlockRef is one content block of a streamed message, in order:
// a text (where it starts in the answer's text), a thinking block (its
// index in Result.Thinking) or a tool call (its index in the calls).
type anthropicBlockRef struct {
	typ string
	at  int
}

// block reads the events of content blocks: starts, deltas and stops.
// Deltas of blocks Kaine does not ask for (citations) are ignored.
func (s *anthropicStream) block(typ string, data gjson.Result) error {
	switch typ {
	case "content_block_start":
		block := data.Get("content_block")
		switch t := block.Get("type").Str; t {
		case "text":
			s.blocks = append(s.blocks, anthropicBlockRef{t, s.text.Len()})
			return s.delta(block.Get("text").Str)
		case "thinking":
			s.startThinking()
			s.blocks = append(s.blocks, anthropicBlockRef{t, len(s.res.Thinking) - 1})
			return s.think(block.Get("thinking").Str)
		case "redacted_thinking":
			s.redacted(block.Get("data").Str)
			s.blocks = append(s.blocks, anthropicBlockRef{t, len(s.res.Thinking) - 1})
		case "tool_use":
			// Its input is {} here and comes in input_json_delta fragments.
			s.blocks = append(s.blocks, anthropicBlockRef{t, len(s.calls)})
			return s.startCall(int(data.Get("index").Int()), block.Get("id").Str, block.Get("name").Str, "")
		}
	case "content_block_delta":
		delta := data.Get("delta")
		switch delta.Get("type").Str {
		case "text_delta":
			return s.delta(delta.Get("text").Str)
		case "thinking_delta":
			return s.think(delta.Get("thinking").Str)
		case "signature_delta":
			return s.sign(delta.Get("signature").Str)
		case "input_json_delta":
			return s.callArguments(int(data.Get("index").Int()), delta.Get("partial_json").Str)
		}
	case "content_block_stop":
		s.endThinking()
	}
	return nil
}

// native rebuilds the message's content from the finished answer res, as
// the non-streamed answer would have sent it: thinking blocks with their
// signatures, texts, and tool_use blocks with their whole input.
func (s *anthropicStream) native(res Result) *NativeTurn {
	content := make([]any, 0, len(s.blocks))
	for i, b := range s.blocks {
		switch b.typ {
		case "text":
			end := len(res.Text)
			for _, next := range s.blocks[i+1:] {
				if next.typ == "text" {
					end = next.at
					break
				}
			}
			if b.at < end { // the API refuses an empty text block
				content = append(content, anthropicText{Type: "text", Text: res.Text[b.at:end]})
			}
		case "thinking":
			t := res.Thinking[b.at]
			content = append(content, anthropicThinkingBlock{Type: "thinking", Thinking: t.Text, Signature: t.Signature})
		case "redacted_thinking":
			content = append(content, anthropicRedactedThinking{Type: "redacted_thinking", Data: res.Thinking[b.at].Redacted})
		case "tool_use":
			c := res.ToolCalls[b.at]
			content = append(content, anthropicToolUse{Type: "tool_use", ID: c.ID, Name: c.Name, Input: objectOr(c.Input, emptyObject)})
		}
	}
	encoded, err := json.Marshal(content)
	if err != nil { // the answer's own strings and JSON: cannot fail
		return nil
	}
	return &NativeTurn{Protocol: ProtocolAnthropic, Content: encoded}
}

type anthropicThinkingBlock struct {
	Type      string `json:"type"` // thinking
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

type anthropicRedactedThinking struct {
	Type string `json:"type"` // redacted_thinking
	Data string `json:"data"`
}
