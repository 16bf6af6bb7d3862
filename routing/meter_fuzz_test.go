package routing

// Fuzz targets for the usage scanners of the three protocols (issue 9).
// Their seeds run with the ordinary tests; a real run is
//
//	go test -run XXX -fuzz '^FuzzMeterEvent$' -fuzztime 5s ./routing/

import (
	"bytes"
	"io"
	"testing"
)

var fuzzProtocols = [...]string{"anthropic", "openai", "gemini"}

func checkUsage(t *testing.T, what string, m *Meter, input []byte) {
	t.Helper()
	if m.GeneratedBytes() < 0 {
		t.Fatalf("%s %q: generated %d bytes", what, input, m.GeneratedBytes())
	}
	u := m.Result().Usage
	for _, n := range []int64{u.Input, u.CacheRead, u.CacheWrite, u.CacheWrite1h} {
		if n < 0 || n > 2*maxTokenCount {
			t.Fatalf("%s %q: usage %+v", what, input, u)
		}
	}
	if u.Output < 0 || u.Output > 2*maxTokenCount || u.PromptTokens() < 0 {
		t.Fatalf("%s %q: usage %+v", what, input, u)
	}
	// At the dearest price in the table, the cost stays a cost.
	if cost := (Price{Rates: Rates{Input: 100e6, Output: 600e6, CacheRead: 100e6, CacheWrite: 100e6, CacheWrite1h: 100e6}}).Cost(u); cost < 0 {
		t.Fatalf("%s %q: usage %+v costs %d", what, input, u, cost)
	}
}

// Whatever a provider sends, the meter neither panics nor makes a negative
// or unbounded figure, and only an OpenAI usage-only chunk it was told
// to hide is hidden.
func FuzzMeterEvent(f *testing.F) {
	for _, seed := range []struct {
		protocol uint8 // index into fuzzProtocols
		name     string
		data     string
	}{
		{0, "message_start", `{"type":"message_start","message":{"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":394,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}  }`},
		{0, "content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`},
		{0, "content_block_delta", `{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}`},
		{0, "message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":390,"cache_read_input_tokens":4,"cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":20},"output_tokens":15}}`},
		{0, "", `{"type":"message","model":"claude-haiku-4-5","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":7,"cache_creation_input_tokens":3,"output_tokens":2}}`},
		{0, "error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		{1, "", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"content":"Hi."},"finish_reason":null}],"usage":null}`},
		{1, "", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":3,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":8}}}`},
		{1, "", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}]}`},
		{1, "", `[DONE]`},
		{1, "", `{"id":"chatcmpl-2","object":"chat.completion","model":"gpt-5.4","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":2}}}`},
		{1, "response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":4,"delta":"Yo"}`},
		{1, "response.completed", `{"type":"response.completed","response":{"model":"gpt-5.4","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],"usage":{"input_tokens":1000,"input_tokens_details":{"cached_tokens":200},"output_tokens":2}}}`},
		{2, "", `{"candidates":[{"content":{"role":"model","parts":[{"text":"think","thought":true},{"text":"Hi"},{"functionCall":{"name":"f","args":{"a":1}}}]},"index":0}],"usageMetadata":{"promptTokenCount":8,"cachedContentTokenCount":2,"toolUsePromptTokenCount":1,"thoughtsTokenCount":5,"candidatesTokenCount":3},"modelVersion":"gemini-2.5-flash-lite"}`},
		{2, "", `[{"candidates":[{"content":{"parts":[{"text":"Hel"}]}}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":1}},{"candidates":[{"content":{"parts":[{"text":"lo"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":2}}]`},
		{2, "", `[{"candidates":[{"content":{"parts":[{"text":"Hello"}]}}],"usageMetadata":{"promptTokenCount":900000,"candidatesTokenCount":1}}` + "\n" + `,{"candidates":[{"content":{"parts":[{"text":" wor`},
		{2, "", `{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4}}`},
		// Figures a broken or hostile upstream might send.
		{0, "message_delta", `{"type":"message_delta","usage":{"input_tokens":-1000000,"output_tokens":1e30}}`},
		{1, "", `{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":"-3","prompt_tokens_details":{"cached_tokens":99}}}`},
		{2, "", `{"usageMetadata":{"candidatesTokenCount":9223372036854775807,"thoughtsTokenCount":1}}`},
	} {
		f.Add(seed.protocol, seed.name, []byte(seed.data), false)
		f.Add(seed.protocol, seed.name, []byte(seed.data), true)
	}
	f.Fuzz(func(t *testing.T, protocolIndex uint8, name string, data []byte, hideUsage bool) {
		protocol := fuzzProtocols[int(protocolIndex)%len(fuzzProtocols)]

		m := NewMeter(protocol, "requested-model", hideUsage)
		hide := m.Event(name, data)
		if hide && (protocol != "openai" || !hideUsage) {
			t.Fatalf("%s (hide %v): Event(%q, %q) hid the event", protocol, hideUsage, name, data)
		}
		checkUsage(t, protocol+" Event", m, data)
		m.Event(name, data) // the same figures again: usage is replaced, never summed to below zero
		checkUsage(t, protocol+" Event twice", m, data)

		m = NewMeter(protocol, "requested-model", hideUsage)
		m.Answer(data)
		checkUsage(t, protocol+" Answer", m, data)

		m = NewMeter(protocol, "requested-model", hideUsage)
		m.PartialAnswer(data)
		checkUsage(t, protocol+" PartialAnswer", m, data)
		if protocol != "gemini" && (m.Result().UsageSeen || m.GeneratedBytes() != 0) {
			t.Fatalf("%s PartialAnswer(%q) read %+v", protocol, data, m.Result())
		}
	})
}

// The SSE reader of the /v1/llm streams splits any input into events
// without panicking, never returns more data than it read, and ends.
func FuzzSSEReader(f *testing.F) {
	for _, seed := range []string{
		"data: a\n\ndata: b\n\n",
		"data: a\r\n\r\ndata: b\r\n\r\n",
		"event: ping\ndata: {}\n\nevent: delta\ndata: x\n\n",
		"data: a\ndata:b\ndata:  c\n\n",
		": keep-alive\nid: 7\nretry: 100\ndata: x\n\n",
		"\n\nevent: lonely\n\n\ndata: x\n\n",
		"\xEF\xBB\xBFdata: x\n\n",
		"data: a\n\ndata: b",
		"data: [DONE]\n\n",
		"event: message_stop\r\ndata: {\"type\":\"message_stop\"       }\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		events := newSSEReader(bytes.NewReader(stream))
		total := 0
		for n := 0; ; n++ {
			ev, err := events.Next()
			if err != nil {
				if err != io.EOF {
					t.Fatalf("%q: error %v from a reader that cannot fail", stream, err)
				}
				break
			}
			total += len(ev.Name) + len(ev.Data)
			if total > len(stream) || n > len(stream) {
				t.Fatalf("%q: %d events, %d bytes of names and data", stream, n+1, total)
			}
		}
	})
}
