package routing

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/providertext"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestGeminiRequest(t *testing.T) {
	f := newFake(t)
	c := NewGemini(f.URL, nil)
	for _, tc := range []struct {
		name      string
		model     Model
		req       Request
		stream    bool
		wantPath  string
		wantQuery string
		want      string
	}{
		{"full", Model{ID: "gemini-2.5-flash", DisableThinking: true}, testRequest, false,
			"/v1beta/models/gemini-2.5-flash:generateContent", "",
			`{"systemInstruction":{"parts":[{"text":"Be terse."}]},"contents":[{"role":"user","parts":[{"text":"Say hi"}]}],"generationConfig":{"maxOutputTokens":256,"temperature":0.7,"thinkingConfig":{"thinkingBudget":0}}}`},
		{"no temperature, no system, thinking left on", Model{ID: "gemini-2.5-pro", NoTemperature: true}, Request{Prompt: "Hi", MaxTokens: 10, Temperature: new(0.7)}, false,
			"/v1beta/models/gemini-2.5-pro:generateContent", "",
			`{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"maxOutputTokens":10}}`},
		{"stream", Model{ID: "gemini-2.5-flash"}, testRequest, true,
			"/v1beta/models/gemini-2.5-flash:streamGenerateContent", "alt=sse",
			`{"systemInstruction":{"parts":[{"text":"Be terse."}]},"contents":[{"role":"user","parts":[{"text":"Say hi"}]}],"generationConfig":{"maxOutputTokens":256,"temperature":0.7}}`},
	} {
		var err error
		if tc.stream {
			_, err = c.Stream(t.Context(), testKey, &tc.model, tc.req, (&deltaRecorder{}).onDelta)
		} else {
			_, err = c.Generate(t.Context(), testKey, &tc.model, tc.req)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		reqs := f.Requests()
		got := reqs[len(reqs)-1]
		if string(got.Body) != tc.want {
			t.Errorf("%s: body\n%s\nwant\n%s", tc.name, got.Body, tc.want)
		}
		// The key travels in a header only: URLs end up in logs.
		if got.Path != tc.wantPath || got.RawQuery != tc.wantQuery || got.Header.Get("x-goog-api-key") != testKey ||
			got.Header.Get("content-type") != "application/json" {
			t.Errorf("%s: %s?%s %v", tc.name, got.Path, got.RawQuery, got.Header)
		}
	}
}

func TestGeminiFakeRefusesATemperatureTheModelDoesNotTake(t *testing.T) {
	f := newFake(t)
	f.RejectTemperature = map[string]bool{"gemini-x": true}
	c := NewGemini(f.URL, nil)
	if _, err := c.Generate(t.Context(), testKey, &Model{ID: "gemini-x", NoTemperature: true}, testRequest); err != nil {
		t.Fatalf("without temperature: %v", err)
	}
	_, err := c.Generate(t.Context(), testKey, &Model{ID: "gemini-x"}, testRequest)
	if up := upstreamErr(t, err); up.Status != 400 || up.Type != "INVALID_ARGUMENT" || !up.CallerFault() {
		t.Fatalf("with temperature: %+v", up)
	}
}

func TestGeminiGenerate(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Text: "Hi there.", Model: "gemini-2.5-flash-001",
		Usage: fakeupstream.Usage{InputTokens: 100, CacheRead: 50, OutputTokens: 20, Thoughts: 30}})
	res, err := NewGemini(f.URL, nil).Generate(t.Context(), testKey, &Model{ID: "gemini-2.5-flash"}, testRequest)
	if err != nil {
		t.Fatal(err)
	}
	// The prompt count includes the cached tokens; thoughts are output.
	want := Result{Text: "Hi there.", Model: "gemini-2.5-flash-001", StopReason: "STOP", Finish: FinishStop, UsageSeen: true,
		Usage: Usage{Input: 100, CacheRead: 50, Output: 50, Reasoning: 30}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

func TestGeminiGenerateFromTheWire(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       Result
	}{
		{"thoughts kept apart", `{"candidates":[{"content":{"role":"model","parts":[{"text":"I should greet.","thought":true},{"text":"Hi"},{"text":"."}]},"finishReason":"STOP","index":0}],
 "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":3,"thoughtsTokenCount":2,"totalTokenCount":13,
   "promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]},"modelVersion":"gemini-2.5-flash-lite","responseId":"mZ3bZ"}`,
			Result{Text: "Hi.", Model: "gemini-2.5-flash-lite", StopReason: "STOP", Finish: FinishStop, UsageSeen: true, Usage: Usage{Input: 8, Output: 5, Reasoning: 2},
				Thinking: []ThinkingBlock{{Text: "I should greet."}}}},
		{"blocked prompt", `{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash-lite"}`,
			Result{Model: "gemini-2.5-flash-lite", StopReason: "blocked: SAFETY", Finish: FinishFiltered, UsageSeen: true, Usage: Usage{Input: 8}}},
		{"thinking ate the budget", `{"candidates":[{"content":{"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"usageMetadata":{"promptTokenCount":8,"thoughtsTokenCount":256,"totalTokenCount":264}}`,
			Result{Model: "gemini-test", StopReason: "MAX_TOKENS", Finish: FinishLength, UsageSeen: true, Usage: Usage{Input: 8, Output: 256, Reasoning: 256}}},
		{"no usage", `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"finishReason":"STOP"}]}`,
			Result{Text: "Hi", Model: "gemini-test", StopReason: "STOP", Finish: FinishStop}},
	} {
		srv := literalServer(t, 200, jsonHeader, tc.body)
		res, err := NewGemini(srv.URL, nil).Generate(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest)
		if err != nil || !reflect.DeepEqual(res, tc.want) {
			t.Errorf("%s: %v\ngot  %+v\nwant %+v", tc.name, err, res, tc.want)
		}
	}
}

func TestGeminiStream(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Text: "Hello big world",
		Usage: fakeupstream.Usage{InputTokens: 100, CacheRead: 20, OutputTokens: 15, Thoughts: 7}})
	rec := &deltaRecorder{}
	res, err := NewGemini(f.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest, rec.onDelta)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.deltas, "|"); got != "Hello| big| world" {
		t.Errorf("deltas %q", got)
	}
	// The last chunk's usage, not a sum of the cumulative figures.
	want := Result{Text: "Hello big world", Model: "gemini-test", StopReason: "STOP", Finish: FinishStop, UsageSeen: true,
		Usage: Usage{Input: 100, CacheRead: 20, Output: 22, Reasoning: 7}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

// geminiSample is the reference's stream, data-only with CRLF: early
// chunks lack candidatesTokenCount, the last has the finish reason.
const geminiSample = `data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash-lite","responseId":"r1"}` + "\r\n\r\n" +
	`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"lo."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":3,"totalTokenCount":11},"modelVersion":"gemini-2.5-flash-lite","responseId":"r1"}` + "\r\n\r\n"

func TestGeminiStreamFromTheWire(t *testing.T) {
	srv := literalServer(t, 200, sseHeader, geminiSample)
	rec := &deltaRecorder{}
	res, err := NewGemini(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest, rec.onDelta)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Text: "Hello.", Model: "gemini-2.5-flash-lite", StopReason: "STOP", Finish: FinishStop, UsageSeen: true, Usage: Usage{Input: 8, Output: 3}}
	if !reflect.DeepEqual(res, want) || strings.Join(rec.deltas, "|") != "Hel|lo." {
		t.Fatalf("deltas %q\ngot  %+v\nwant %+v", rec.deltas, res, want)
	}
}

func TestGeminiStreamEndingWithoutAFinishReasonIsTruncated(t *testing.T) {
	srv := literalServer(t, 200, sseHeader, geminiSample[:strings.Index(geminiSample, "\r\n\r\n")+4])
	res, err := NewGemini(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest, (&deltaRecorder{}).onDelta)
	if up := upstreamErr(t, err); up.Status != 200 || up.Type != "stream_truncated" {
		t.Fatalf("%+v", up)
	}
	if res.Text != "Hel" || !res.UsageSeen || res.Usage != (Usage{Input: 8}) {
		t.Fatalf("partial result %+v", res)
	}
}

func TestGeminiStreamErrorChunk(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, StreamError: "INTERNAL", ErrorMessage: "An internal error has occurred.",
		Usage: fakeupstream.Usage{InputTokens: 12, OutputTokens: 4}})
	res, err := NewGemini(f.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest, (&deltaRecorder{}).onDelta)
	if up := upstreamErr(t, err); *up != (UpstreamError{Status: 200, Type: "INTERNAL", Message: "An internal error has occurred."}) {
		t.Fatalf("%+v", up)
	}
	if res.Text != "Hello" || !res.UsageSeen || res.Usage != (Usage{Input: 12, Output: 4}) {
		t.Fatalf("partial result %+v", res)
	}
}

func TestGeminiErrors(t *testing.T) {
	f := newFake(t)
	c := NewGemini(f.URL, nil)
	for _, tc := range []struct {
		name  string
		reply fakeupstream.Reply
		want  UpstreamError
	}{
		{"invalid key is a 400 by its reason", fakeupstream.Reply{Status: 400, ErrorType: "INVALID_ARGUMENT", ErrorReason: "API_KEY_INVALID",
			ErrorMessage: "API key not valid. Please pass a valid API key. (" + testKey + ")"},
			UpstreamError{Status: 400, Type: "INVALID_ARGUMENT", Message: providertext.KeyRefused, Auth: true}},
		{"bad request", fakeupstream.Reply{Status: 400, ErrorType: "INVALID_ARGUMENT", ErrorMessage: "The input token count exceeds the maximum"},
			UpstreamError{Status: 400, Type: "INVALID_ARGUMENT", Message: "The input token count exceeds the maximum"}},
		{"quota", fakeupstream.Reply{Status: 429, ErrorType: "RESOURCE_EXHAUSTED", ErrorMessage: "Resource has been exhausted", RetryAfter: "3"},
			UpstreamError{Status: 429, Type: "RESOURCE_EXHAUSTED", Message: "Resource has been exhausted", RetryAfter: 3 * time.Second}},
		{"overloaded", fakeupstream.Reply{Status: 503, ErrorMessage: "The model is overloaded."},
			UpstreamError{Status: 503, Type: "UNAVAILABLE", Message: "The model is overloaded."}},
		{"retired model", fakeupstream.Reply{Status: 404, ErrorMessage: "models/gemini-1.0-pro is not found"},
			UpstreamError{Status: 404, Type: "NOT_FOUND", Message: "models/gemini-1.0-pro is not found"}},
	} {
		f.Enqueue(tc.reply)
		_, err := c.Generate(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest)
		up := upstreamErr(t, err)
		if *up != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, *up, tc.want)
		}
		if up.Auth && up.CallerFault() {
			t.Errorf("%s: a refused key is not the request's fault", tc.name)
		}
	}
}

func TestGeminiRetryDelayInTheBody(t *testing.T) {
	srv := literalServer(t, 429, jsonHeader, `{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED",
  "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generate_content_free_tier_requests"}]},
    {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}]}}`)
	_, err := NewGemini(srv.URL, nil).Generate(t.Context(), testKey, &Model{ID: "gemini-test"}, testRequest)
	if up := upstreamErr(t, err); up.RetryAfter != 30*time.Second || up.Type != "RESOURCE_EXHAUSTED" || up.Auth {
		t.Fatalf("%+v", up)
	}
}
