package fakeupstream

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// do posts body to the fake with the given headers and returns the
// status and the raw answer.
func do(t *testing.T, s *Server, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(raw)
}

var (
	anthropicHeaders = map[string]string{"x-api-key": "k", "anthropic-version": "2023-06-01"}
	geminiHeaders    = map[string]string{"x-goog-api-key": "k"}
	openAIHeaders    = map[string]string{"Authorization": "Bearer k"}
)

const (
	anthropicBody = `{"model":"claude-test","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
	geminiBody    = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	openAIBody    = `{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}`
)

func TestChecksWhatTheProvidersCheck(t *testing.T) {
	s := New()
	defer s.Close()
	s.Enqueue(Reply{Text: "kept for the first valid call"})
	for _, tc := range []struct {
		name, path string
		header     map[string]string
		body       string
		status     int
		errType    string // at the protocol's path
	}{
		{"anthropic without key", "/v1/messages", map[string]string{"anthropic-version": "2023-06-01"}, anthropicBody, 401, "error.type"},
		{"anthropic without version", "/v1/messages", map[string]string{"x-api-key": "k"}, anthropicBody, 400, "error.type"},
		{"anthropic without max_tokens", "/v1/messages", anthropicHeaders, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 400, "error.type"},
		{"anthropic with an unknown field", "/v1/messages", anthropicHeaders, `{"model":"m","max_tokens":1,"maxTokens":1,"messages":[{"role":"user","content":"hi"}]}`, 400, "error.type"},
		{"anthropic with bad JSON", "/v1/messages", anthropicHeaders, `{"model":`, 400, "error.type"},
		{"gemini without key", "/v1beta/models/g:generateContent", nil, geminiBody, 403, "error.status"},
		{"gemini with an unknown config field", "/v1beta/models/g:generateContent", geminiHeaders, `{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"maxTokens":5}}`, 400, "error.status"},
		{"gemini stream without alt=sse", "/v1beta/models/g:streamGenerateContent", geminiHeaders, geminiBody, 400, "error.status"},
		{"gemini without contents", "/v1beta/models/g:generateContent", geminiHeaders, `{}`, 400, "error.status"},
		{"openai without key", "/v1/chat/completions", nil, openAIBody, 401, "error.type"},
		{"openai with an unknown field", "/v1/chat/completions", openAIHeaders, `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_output_tokens":5}`, 400, "error.type"},
	} {
		status, body := do(t, s, tc.path, tc.header, tc.body)
		if status != tc.status || gjson.Get(body, tc.errType).Str == "" || gjson.Get(body, "error.message").Str == "" {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	// Refused calls are recorded but leave the queue alone.
	if s.Calls() != 11 {
		t.Errorf("%d calls recorded", s.Calls())
	}
	status, body := do(t, s, "/v1beta/models/g:generateContent", geminiHeaders,
		`{"contents":[{"parts":[{"text":"hi"}]}],"generation_config":{"max_output_tokens":5}}`) // snake_case is accepted
	if status != 200 || gjson.Get(body, "candidates.0.content.parts.0.text").Str != "kept for the first valid call" {
		t.Errorf("valid call: %d %s", status, body)
	}
}

func TestKeyOptionalLetsOpenAICallsComeWithoutAKey(t *testing.T) {
	s := New()
	defer s.Close()
	s.KeyOptional = true
	s.Default(Reply{Text: "local"})
	if status, body := do(t, s, "/v1/chat/completions", nil, openAIBody); status != 200 || gjson.Get(body, "choices.0.message.content").Str != "local" {
		t.Fatalf("%d %s", status, body)
	}
}

func TestChunksJoinBackToTheText(t *testing.T) {
	r := Reply{Text: "  Hello big  world "}
	got := r.chunks()
	if strings.Join(got, "") != r.Text || len(got) != 4 || got[0] != "  Hello" || got[3] != " " {
		t.Fatalf("%q", got)
	}
}

func TestAnthropicStreamFraming(t *testing.T) {
	s := New()
	defer s.Close()
	s.Default(Reply{Text: "a b"})
	status, body := do(t, s, "/v1/messages", anthropicHeaders, `{"model":"m","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	names := regexp.MustCompile(`(?m)^event: (\w+)\n`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, n := range names {
		got = append(got, n[1])
	}
	want := "message_start content_block_start ping content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if status != 200 || strings.Join(got, " ") != want {
		t.Fatalf("%d events %q", status, got)
	}
}

func TestGeminiStreamFraming(t *testing.T) {
	s := New()
	defer s.Close()
	s.Default(Reply{Text: "a b", Usage: Usage{InputTokens: 3, OutputTokens: 4}})
	status, body := do(t, s, "/v1beta/models/g:streamGenerateContent?alt=sse", geminiHeaders, geminiBody)
	events := strings.Split(strings.TrimSuffix(body, "\r\n\r\n"), "\r\n\r\n")
	if status != 200 || len(events) != 2 || strings.Contains(body, "event:") {
		t.Fatalf("%d %q", status, body)
	}
	last := strings.TrimPrefix(events[1], "data: ")
	if gjson.Get(last, "candidates.0.finishReason").Str != "STOP" || gjson.Get(last, "usageMetadata.candidatesTokenCount").Int() != 4 ||
		gjson.Get(events[0], "candidates.0.finishReason").Exists() {
		t.Fatalf("%q", events)
	}
}

func TestOpenAIStreamSendsUsageOnlyWhenAsked(t *testing.T) {
	s := New()
	defer s.Close()
	s.Default(Reply{Text: "a", Usage: Usage{InputTokens: 3, OutputTokens: 1}})
	for _, tc := range []struct {
		name, body string
		usage      bool
	}{
		{"asked", `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`, true},
		{"not asked", `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}`, false},
	} {
		status, body := do(t, s, "/v1/chat/completions", openAIHeaders, tc.body)
		events := strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n")
		last := events[len(events)-1]
		usage := gjson.Get(strings.TrimPrefix(events[len(events)-2], "data: "), "usage.prompt_tokens").Int() == 3
		if status != 200 || last != "data: [DONE]" || usage != tc.usage || (!tc.usage && strings.Contains(body, `"usage"`)) {
			t.Errorf("%s: %d %q", tc.name, status, events)
		}
	}
}
