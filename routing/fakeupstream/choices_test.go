package fakeupstream

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// Several answers: the first is Text, then Candidates, then Text again.
func TestSeveralChoicesAndCandidates(t *testing.T) {
	s := New()
	defer s.Close()
	s.Default(Reply{Text: "First.", Candidates: []string{"Second."}, Usage: Usage{OutputTokens: 6}})
	want := []string{"First.", "Second.", "First."}

	_, body := do(t, s, "/v1/chat/completions", openAIHeaders, `{"model":"m","n":3,"messages":[{"role":"user","content":"hi"}]}`)
	for i, text := range want {
		c := gjson.Get(body, "choices."+strconv.Itoa(i))
		if c.Get("index").Int() != int64(i) || c.Get("message.content").Str != text || c.Get("finish_reason").Str != "stop" {
			t.Errorf("openai choice %d: %s", i, c.Raw)
		}
	}
	_, body = do(t, s, "/v1beta/models/g:generateContent", geminiHeaders, `{"generationConfig":{"candidateCount":3},"contents":[{"parts":[{"text":"hi"}]}]}`)
	for i, text := range want {
		c := gjson.Get(body, "candidates."+strconv.Itoa(i))
		if c.Get("index").Int() != int64(i) || c.Get("content.parts.0.text").Str != text || c.Get("finishReason").Str != "STOP" {
			t.Errorf("gemini candidate %d: %s", i, c.Raw)
		}
	}

	// Streamed, each chunk names its choice; each choice finishes.
	streams := []struct {
		name, path, body, eol string
		header                map[string]string
		choice                func(sseEvent) gjson.Result // the event's choice or candidate
		text, finish          string                      // paths in it
	}{
		{"openai", "/v1/chat/completions", `{"model":"m","n":2,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "\n",
			openAIHeaders, func(ev sseEvent) gjson.Result { return ev.data.Get("choices.0") }, "delta.content", "finish_reason"},
		{"gemini", "/v1beta/models/g:streamGenerateContent?alt=sse", `{"generationConfig":{"candidateCount":2},"contents":[{"parts":[{"text":"hi"}]}]}`, "\r\n",
			geminiHeaders, func(ev sseEvent) gjson.Result { return ev.data.Get("candidates.0") }, "content.parts.0.text", "finishReason"},
	}
	for _, st := range streams {
		_, body := do(t, s, st.path, st.header, st.body)
		texts, finishes := make([]string, 2), make([]string, 2)
		for _, ev := range parseSSE(body, st.eol) {
			c := st.choice(ev)
			if !c.Exists() {
				continue
			}
			i := c.Get("index").Int()
			texts[i] += c.Get(st.text).Str
			finishes[i] += c.Get(st.finish).Str
		}
		if texts[0] != "First." || texts[1] != "Second." || finishes[0] == "" || finishes[0] != finishes[1] {
			t.Errorf("%s stream: texts %q, finishes %q: %s", st.name, texts, finishes, body)
		}
	}
}

// Refusal and StopSequence end each protocol's answer its own way.
func TestRefusalsAndStopSequences(t *testing.T) {
	anthropicStream := `{"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range []struct {
		name, path, body string
		header           map[string]string
		reply            Reply
		check            func(body string) bool
	}{
		{"openai refusal", "/v1/chat/completions", openAIBody, openAIHeaders, Reply{Text: "ignored", Refusal: "I can't help with that."},
			func(b string) bool {
				m := gjson.Get(b, "choices.0.message")
				return m.Get("content").Type == gjson.Null && m.Get("refusal").Str == "I can't help with that." && gjson.Get(b, "choices.0.finish_reason").Str == "stop"
			}},
		{"openai streamed refusal", "/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, openAIHeaders,
			Reply{Refusal: "I can't help with that."},
			func(b string) bool {
				var refusal strings.Builder
				for _, ev := range parseSSE(b, "\n") {
					refusal.WriteString(ev.data.Get("choices.0.delta.refusal").Str)
				}
				return refusal.String() == "I can't help with that." && !strings.Contains(b, "ignored")
			}},
		{"anthropic refusal", "/v1/messages", anthropicBody, anthropicHeaders, Reply{Refusal: "I can't help with that."},
			func(b string) bool {
				return gjson.Get(b, "stop_reason").Str == "refusal" && gjson.Get(b, "content.0.text").Str == "I can't help with that."
			}},
		{"gemini refusal", "/v1beta/models/g:generateContent", geminiBody, geminiHeaders, Reply{Refusal: "I can't help with that."},
			func(b string) bool {
				c := gjson.Get(b, "candidates.0")
				return c.Get("finishReason").Str == "SAFETY" && !c.Get("content").Exists()
			}},
		{"anthropic stop sequence", "/v1/messages", anthropicBody, anthropicHeaders, Reply{Text: "One, two", StopSequence: "three"},
			func(b string) bool {
				return gjson.Get(b, "stop_reason").Str == "stop_sequence" && gjson.Get(b, "stop_sequence").Str == "three"
			}},
		{"anthropic streamed stop sequence", "/v1/messages", anthropicStream, anthropicHeaders, Reply{Text: "One, two", StopSequence: "three"},
			func(b string) bool {
				return strings.Contains(b, `"delta":{"stop_reason":"stop_sequence","stop_sequence":"three"}`)
			}},
		{"openai stop sequence", "/v1/chat/completions", openAIBody, openAIHeaders, Reply{Text: "One, two", StopSequence: "three"},
			func(b string) bool { return gjson.Get(b, "choices.0.finish_reason").Str == "stop" }},
		{"gemini stop sequence", "/v1beta/models/g:generateContent", geminiBody, geminiHeaders, Reply{Text: "One, two", StopSequence: "three"},
			func(b string) bool { return gjson.Get(b, "candidates.0.finishReason").Str == "STOP" }},
		{"openai reasoning in a plain answer", "/v1/chat/completions", openAIBody, openAIHeaders, Reply{Text: "Hi.", Usage: Usage{OutputTokens: 2, Thoughts: 7}},
			func(b string) bool {
				u := gjson.Get(b, "usage")
				return u.Get("completion_tokens_details.reasoning_tokens").Int() == 7 && u.Get("completion_tokens").Int() == 9
			}},
	} {
		s := New()
		s.Default(tc.reply)
		status, body := do(t, s, tc.path, tc.header, tc.body)
		s.Close()
		if status != 200 || !tc.check(body) {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
}
