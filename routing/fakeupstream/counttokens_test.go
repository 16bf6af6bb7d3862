package fakeupstream

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestCountTokens(t *testing.T) {
	s := New()
	defer s.Close()
	s.Enqueue(Reply{Text: "kept for the generation"})
	system, messages, tools := `"Be terse."`, `[{"role":"user","content":"What is the weather in Paris today?"}]`,
		`[{"name":"get_weather","input_schema":{"type":"object"}}]`
	contents := `[{"role":"user","parts":[{"text":"What is the weather in Paris today?"}]}]`
	for _, tc := range []struct {
		name, path, body string
		header           map[string]string
		want             int64  // the count; 0 for a refusal
		refusal          string // in error.message
	}{
		{"anthropic", "/v1/messages/count_tokens", `{"model":"m","system":` + system + `,"tools":` + tools + `,"tool_choice":{"type":"auto"},"messages":` + messages + `}`,
			anthropicHeaders, int64(len(system)+len(messages)+len(tools)) / 4, ""},
		{"anthropic, messages alone", "/v1/messages/count_tokens", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
			anthropicHeaders, int64(len(`[{"role":"user","content":"hi"}]`)) / 4, ""},
		{"anthropic with max_tokens", "/v1/messages/count_tokens", `{"model":"m","max_tokens":10,"messages":` + messages + `}`, anthropicHeaders, 0, "max_tokens: Extra inputs are not permitted"},
		{"anthropic streaming", "/v1/messages/count_tokens", `{"model":"m","stream":true,"messages":` + messages + `}`, anthropicHeaders, 0, "stream: Extra inputs are not permitted"},
		{"anthropic without a model", "/v1/messages/count_tokens", `{"messages":` + messages + `}`, anthropicHeaders, 0, "model: Field required"},
		{"anthropic with a bad image", "/v1/messages/count_tokens", `{"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"!"}}]}]}`,
			anthropicHeaders, 0, "image.source.base64.data"},
		{"anthropic thinking, no max_tokens to stay under", "/v1/messages/count_tokens", `{"model":"m","thinking":{"type":"enabled","budget_tokens":2048},"messages":` + messages + `}`,
			anthropicHeaders, int64(len(messages)) / 4, ""},
		{"gemini contents", "/v1beta/models/g:countTokens", `{"contents":` + contents + `}`, geminiHeaders, int64(len(contents)) / 4, ""},
		{"gemini whole request", "/v1beta/models/g:countTokens",
			`{"generateContentRequest":{"model":"models/g","systemInstruction":{"parts":[{"text":"Be terse."}]},"contents":` + contents + `,"generationConfig":{"topK":3}}}`,
			geminiHeaders, int64(len(`{"parts":[{"text":"Be terse."}]}`)+len(contents)) / 4, ""},
		{"gemini both", "/v1beta/models/g:countTokens", `{"contents":` + contents + `,"generateContentRequest":{"model":"models/g","contents":` + contents + `}}`,
			geminiHeaders, 0, "must not both be set"},
		{"gemini whole request without its model", "/v1beta/models/g:countTokens", `{"generateContentRequest":{"contents":` + contents + `}}`,
			geminiHeaders, 0, "generate_content_request.model"},
		{"gemini with an unknown field", "/v1beta/models/g:countTokens", `{"contents":` + contents + `,"generationConfig":{}}`,
			geminiHeaders, 0, `Unknown name "generationConfig"`},
		{"gemini with a bad part", "/v1beta/models/g:countTokens", `{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"!"}}]}]}`,
			geminiHeaders, 0, "Base64 decoding failed"},
	} {
		status, body := do(t, s, tc.path, tc.header, tc.body)
		got := gjson.Get(body, "input_tokens").Int()
		if strings.Contains(tc.path, "countTokens") {
			got = gjson.Get(body, "totalTokens").Int()
		}
		switch {
		case tc.refusal == "" && (status != 200 || got != tc.want):
			t.Errorf("%s: %d %s, want %d tokens", tc.name, status, body, tc.want)
		case tc.refusal != "" && (status != 400 || !strings.Contains(gjson.Get(body, "error.message").Str, tc.refusal)):
			t.Errorf("%s: %d %s, want a 400 saying %q", tc.name, status, body, tc.refusal)
		}
	}
	// A key is needed, in each provider's way.
	if status, body := do(t, s, "/v1beta/models/g:countTokens", nil, `{"contents":`+contents+`}`); status != 403 || gjson.Get(body, "error.status").Str != "PERMISSION_DENIED" {
		t.Errorf("gemini without a key: %d %s", status, body)
	}
	if status, body := do(t, s, "/v1/messages/count_tokens", map[string]string{"anthropic-version": "2023-06-01"}, `{"model":"m","messages":`+messages+`}`); status != 401 || gjson.Get(body, "error.type").Str != "authentication_error" {
		t.Errorf("anthropic without a key: %d %s", status, body)
	}
	// Counts are recorded under their own names and leave the queue alone.
	if len(s.Bodies("count_tokens")) != 8 || len(s.Bodies("gemini_count_tokens")) != 7 || len(s.Bodies("gemini")) != 0 || len(s.Bodies("anthropic")) != 0 {
		t.Errorf("recorded %+v", s.Requests())
	}
	if _, body := do(t, s, "/v1/messages", anthropicHeaders, anthropicBody); gjson.Get(body, "content.0.text").Str != "kept for the generation" {
		t.Errorf("the queue was taken: %s", body)
	}
}
