package fakeupstream

// geminiEvent is one streamed response's candidate: its index, its parts
// (nil for a blocked candidate) and, on the candidate's last event, its
// finish reason.
type geminiEvent struct {
	index  int
	parts  []any
	finish string
}

// geminiEvents is an answer as the API streams it, candidate after
// candidate: thought summaries in pieces (when the call asked for them),
// the text in its chunks, then the calls whole in one event; an answer of
// nothing is one event of empty text.
func geminiEvents(reply Reply, c call) []geminiEvent {
	var events []geminiEvent
	for i := range c.answers() {
		answer := reply.choice(i)
		var parts [][]any
		if answer.Refusal == "" {
			if c.includeThoughts {
				for _, piece := range words(answer.Thinking) {
					parts = append(parts, []any{map[string]any{"text": piece, "thought": true}})
				}
			}
			for _, chunk := range answer.chunks() {
				parts = append(parts, []any{map[string]any{"text": chunk}})
			}
			if len(answer.ToolCalls) > 0 {
				parts = append(parts, geminiCalls(answer.ToolCalls))
			}
			if len(parts) == 0 {
				parts = [][]any{{map[string]any{"text": ""}}}
			}
		} else {
			parts = [][]any{nil}
		}
		for k, p := range parts {
			ev := geminiEvent{index: i, parts: p}
			if k == len(parts)-1 {
				ev.finish = geminiFinish(answer)
			}
			events = append(events, ev)
		}
	}
	return events
}

// stream sends data-only events, each a whole response of one candidate
// whose text is a delta and whose usage is cumulative; a candidate's last
// event carries its finish reason. There is no end marker: the stream
// just ends.
func (geminiAPI) stream(st *streamer, c call) {
	reply := st.reply
	events := geminiEvents(reply, c)
	for k, ev := range events {
		if reply.StreamError != "" {
			ev.finish = ""
		}
		candidate := geminiCandidate(ev.index, ev.parts, ev.finish)
		if !st.chunk("", geminiResponse(reply, []any{candidate}, reply.Usage.OutputTokens*(k+1)/len(events))) {
			return
		}
	}
	if st.end() && reply.StreamError != "" {
		st.event("", map[string]any{"error": map[string]any{
			"code": 500, "message": errorMessage(reply.ErrorMessage, 0), "status": reply.StreamError}})
	}
}
