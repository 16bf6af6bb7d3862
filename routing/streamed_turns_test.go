package routing

import (
	"encoding/json"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// A streamed agent turn is kept and replayed like a whole one: the fake
// checks Anthropic's thinking signature, Gemini's thought signature, and
// that each call is answered.
func TestStreamedToolTurnsReplay(t *testing.T) {
	f := newFake(t)
	f.RequireThoughtSignatures = true // as Gemini 3 does
	// Where each protocol's request holds the replayed turn.
	replayedAt := map[string]string{"anthropic": "messages.1.content", "gemini": "contents.1", "openai": "messages.1.tool_calls"}
	nativeAt := map[string]string{"anthropic": "@this", "gemini": "@this", "openai": "tool_calls"}
	for _, p := range protocols(f) {
		f.Enqueue(
			fakeupstream.Reply{Thinking: "SF first.", Text: "Checking.", ToolCalls: []fakeupstream.ToolCall{
				{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}},
			fakeupstream.Reply{Text: "SF is sunny."},
		)
		msgs := []Message{{Role: RoleUser, Text: "Weather in SF?"}}
		req := Request{Messages: msgs, Tools: []Tool{weatherTool}, MaxTokens: 4096, Thinking: true}
		rec := &chunkRecorder{}
		first, err := p.client.Stream(t.Context(), testKey, p.model, req, rec.onChunk)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if len(first.ToolCalls) != 1 || first.ToolCalls[0].Name != "get_weather" || string(first.ToolCalls[0].Input) != `{"city":"SF"}` ||
			first.Finish != FinishToolCalls || first.Native == nil || first.Native.Protocol != p.name {
			t.Fatalf("%s: first turn %+v", p.name, first)
		}
		calls := 0
		for _, c := range rec.chunks {
			if c.ToolCall != nil && c.ToolCall.ID != "" {
				calls++
			}
		}
		if calls != 1 {
			t.Errorf("%s: %d calls started in %+v", p.name, calls, rec.chunks)
		}
		if p.name != "openai" && (len(first.Thinking) != 1 || first.Thinking[0].Text != "SF first.") {
			t.Errorf("%s: thinking %+v", p.name, first.Thinking)
		}

		req.Messages = append(msgs,
			Message{Role: RoleAssistant, Text: first.Text, ToolCalls: first.ToolCalls, Native: first.Native},
			Message{Role: RoleUser, ToolResults: []ToolResult{{CallID: first.ToolCalls[0].ID, Output: "68F, sunny"}}})
		second, err := p.client.Stream(t.Context(), testKey, p.model, req, (&chunkRecorder{}).onChunk)
		if err != nil || second.Text != "SF is sunny." {
			t.Fatalf("%s: second turn %+v: %v", p.name, second, err)
		}
		replayed := gjson.GetBytes(lastBody(t, f), replayedAt[p.name]).Raw
		if want := gjson.GetBytes(first.Native.Content, nativeAt[p.name]).Raw; replayed != want {
			t.Errorf("%s: replayed\n%s\nwant\n%s", p.name, replayed, want)
		}
	}
}
