package fakeupstream

// anthropicBlock is one content block of a streamed answer: the block it
// starts as and the deltas that fill it.
type anthropicBlock struct {
	start  map[string]any
	deltas []map[string]any
}

// anthropicBlocks is the answer's content as the API streams it, in the
// order of a whole answer's: thinking in pieces then its signature; the
// text in its chunks (a text block is there unless the answer is only
// calls); each call starting with empty input, which fragments of its
// JSON then fill, the first of them empty as the API sends it.
func anthropicBlocks(r Reply) []anthropicBlock {
	var blocks []anthropicBlock
	if r.Thinking != "" {
		b := anthropicBlock{start: map[string]any{"type": "thinking", "thinking": ""}}
		for _, piece := range words(r.Thinking) {
			b.deltas = append(b.deltas, map[string]any{"type": "thinking_delta", "thinking": piece})
		}
		b.deltas = append(b.deltas, map[string]any{"type": "signature_delta", "signature": signature("thinking", r.Thinking)})
		blocks = append(blocks, b)
	}
	if text, chunks := anthropicText(r); text != "" || len(r.ToolCalls) == 0 {
		b := anthropicBlock{start: map[string]any{"type": "text", "text": ""}}
		for _, chunk := range chunks {
			b.deltas = append(b.deltas, map[string]any{"type": "text_delta", "text": chunk})
		}
		blocks = append(blocks, b)
	}
	for _, c := range r.ToolCalls {
		b := anthropicBlock{start: map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": map[string]any{}}}
		for _, fragment := range append([]string{""}, halves(string(c.input()))...) {
			b.deltas = append(b.deltas, map[string]any{"type": "input_json_delta", "partial_json": fragment})
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// stream follows the recorded event sequence: message_start, then each
// block's content_block_start (a ping after the first), its
// content_block_delta events and content_block_stop, then message_delta
// with the cumulative usage and message_stop. An error event replaces
// what follows the last delta.
func (anthropicAPI) stream(st *streamer, c call) {
	reply := st.reply
	st.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": reply.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": anthropicUsage(reply.Usage, 1), // output_tokens here is a placeholder
	}})
	blocks := anthropicBlocks(reply)
	last := len(blocks) - 1
	for i, b := range blocks {
		st.event("content_block_start", map[string]any{"type": "content_block_start", "index": i, "content_block": b.start})
		if i == 0 {
			st.event("ping", map[string]any{"type": "ping"})
		}
		for _, delta := range b.deltas {
			if !st.chunk("content_block_delta", map[string]any{"type": "content_block_delta", "index": i, "delta": delta}) {
				return
			}
		}
		if i < last {
			st.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": i})
		}
	}
	if !st.end() {
		return
	}
	if reply.StreamError != "" {
		st.event("error", map[string]any{"type": "error",
			"error": map[string]any{"type": reply.StreamError, "message": errorMessage(reply.ErrorMessage, 0)}})
		return
	}
	st.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": last})
	st.event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": anthropicFinish(reply), "stop_sequence": anthropicStopSequence(reply)},
		"usage": map[string]any{"output_tokens": reply.Usage.OutputTokens + reply.Usage.Thoughts}})
	st.event("message_stop", map[string]any{"type": "message_stop"})
}
