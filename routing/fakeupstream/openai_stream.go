package fakeupstream

// stream sends data-only chunks: for each choice its role, its deltas and
// its finish, then (only when asked with stream_options.include_usage) a
// usage chunk with no choices, and the [DONE] sentinel. An error chunk
// replaces what follows the last delta. Several choices stream one after
// the other, each chunk naming its choice's index.
func (openAIAPI) stream(st *streamer, c call) {
	reply := st.reply
	chunk := func(choices []any, usage any) map[string]any {
		ch := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1764300000,
			"model": reply.Model, "choices": choices}
		if c.includeUsage {
			ch["usage"] = usage // null on every chunk but the last
		}
		return ch
	}
	choice := func(index int, delta map[string]any, finish any) []any {
		return []any{map[string]any{"index": index, "delta": delta, "finish_reason": finish}}
	}
	last := c.answers() - 1
	for i := range c.answers() {
		answer := reply.choice(i)
		st.event("", chunk(choice(i, map[string]any{"role": "assistant", "content": ""}, nil), nil))
		for _, delta := range openAIDeltas(answer) {
			if !st.chunk("", chunk(choice(i, delta, nil), nil)) {
				return
			}
		}
		if i < last {
			st.event("", chunk(choice(i, map[string]any{}, openAIFinish(answer)), nil))
		}
	}
	if !st.end() {
		return
	}
	if reply.StreamError != "" {
		st.event("", map[string]any{"error": map[string]any{
			"message": errorMessage(reply.ErrorMessage, 0), "type": "server_error", "param": nil, "code": reply.StreamError}})
		return
	}
	st.event("", chunk(choice(last, map[string]any{}, openAIFinish(reply.choice(last))), nil))
	if c.includeUsage && !reply.NoUsage {
		st.event("", chunk([]any{}, openAIUsage(reply.Usage)))
	}
	st.data("[DONE]")
}

// openAIDeltas is a choice's answer as streamed: the text (or the
// refusal) in its chunks, then for each call a delta that starts it (its
// index among the calls, id, name and empty arguments) and its arguments
// in two fragments that only parse once joined.
func openAIDeltas(r Reply) []map[string]any {
	var deltas []map[string]any
	if r.Refusal != "" {
		for _, piece := range words(r.Refusal) {
			deltas = append(deltas, map[string]any{"refusal": piece})
		}
		return deltas
	}
	for _, text := range r.chunks() {
		deltas = append(deltas, map[string]any{"content": text})
	}
	for i, c := range r.ToolCalls {
		deltas = append(deltas, map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""}}}})
		for _, fragment := range halves(string(c.input())) {
			deltas = append(deltas, map[string]any{"tool_calls": []any{map[string]any{"index": i,
				"function": map[string]any{"arguments": fragment}}}})
		}
	}
	return deltas
}
