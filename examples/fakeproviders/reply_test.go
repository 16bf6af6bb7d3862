package main

import (
	"strings"
	"testing"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestReplyEchoesTheLastMessageOfEachProtocol(t *testing.T) {
	for _, tc := range []struct {
		protocol, path, body, model, echo string
	}{
		{"anthropic", "/v1/messages",
			`{"model":"claude-haiku-4-5","max_tokens":9,"messages":[{"role":"user","content":"old"},{"role":"assistant","content":"x"},{"role":"user","content":[{"type":"text","text":"Plan a"},{"type":"text","text":" launch"}]}]}`,
			"claude-haiku-4-5", "Plan a launch"},
		{"gemini", "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent",
			`{"contents":[{"role":"user","parts":[{"text":"Name three colours"}]}]}`,
			"gemini-2.5-flash-lite", "Name three colours"},
		{"openai", "/v1/chat/completions",
			`{"model":"gpt-5.4","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"one two three four five six seven eight nine ten"}]}`,
			"gpt-5.4", "one two three four five six seven eight …"},
		{"responses", "/v1/responses", `{"model":"gpt-5.4-mini","input":"Say   hello\nto Kaine"}`, "gpt-5.4-mini", "Say hello to Kaine"},
		{"responses", "/v1/responses",
			`{"model":"gpt-5.4-mini","input":[{"role":"user","content":[{"type":"input_text","text":"From items"}]}]}`,
			"gpt-5.4-mini", "From items"},
	} {
		r := reply(fakeupstream.Received{Protocol: tc.protocol, Path: tc.path, Body: []byte(tc.body)})
		if !strings.HasPrefix(r.Text, "Fake "+tc.model+" here") || !strings.HasSuffix(r.Text, `You said: "`+tc.echo+`"`) {
			t.Errorf("%s: %q", tc.protocol, r.Text)
		}
		if r.Usage.InputTokens != (len(tc.body)+3)/4 || r.Usage.OutputTokens != (len(r.Text)+3)/4 {
			t.Errorf("%s: usage %+v for a %d-byte body and a %d-byte answer", tc.protocol, r.Usage, len(tc.body), len(r.Text))
		}
	}
}
