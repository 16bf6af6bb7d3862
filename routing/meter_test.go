package routing

import "testing"

func TestMeterReadsGeminiStreamAnsweredAsAJSONArray(t *testing.T) {
	m := NewMeter("gemini", "gemini-3.8-flash", false)
	m.Answer([]byte(`[
		{"candidates":[{"content":{"parts":[{"text":"Hel"}]}}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":1},"modelVersion":"gemini-3.8-flash"},
		{"candidates":[{"content":{"parts":[{"text":"lo"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":2}}
	]`))
	res := m.Result()
	if !res.UsageSeen || res.Usage.Input != 7 || res.Usage.Output != 2 || res.Model != "gemini-3.8-flash" || m.GeneratedBytes() != 5 {
		t.Fatalf("result %+v, generated %d", res, m.GeneratedBytes())
	}
}

// A stream cancelled before its usage arrived is estimated from everything
// the model generated, thinking and tool arguments included.
func TestMeterCountsThinkingAndToolArguments(t *testing.T) {
	cases := []struct {
		protocol string
		events   []string
		want     int
	}{
		{"anthropic", []string{
			`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see"}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"signature_delta","signature":"c2lnbmF0dXJl"}}`,
			`{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Hi"}}`,
			`{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}`,
		}, 10 + 2 + 8},
		{"openai", []string{
			`{"choices":[{"index":0,"delta":{"content":"Hi"}}]}`,
			`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}]}`,
			`{"type":"response.function_call_arguments.delta","delta":"{\"b\""}`,
			`{"type":"response.output_text.delta","delta":"Yo"}`,
		}, 2 + 7 + 4 + 2},
		{"gemini", []string{
			`{"candidates":[{"content":{"parts":[{"text":"think","thought":true},{"text":"Hi"},{"functionCall":{"name":"f","args":{"a":1}}}]}}]}`,
		}, 5 + 2 + 7},
	}
	for _, c := range cases {
		m := NewMeter(c.protocol, "", false)
		for _, ev := range c.events {
			m.Event("", []byte(ev))
		}
		if got := m.GeneratedBytes(); got != c.want {
			t.Errorf("%s: generated %d bytes, want %d", c.protocol, got, c.want)
		}
	}
}
