package routing

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/providertext"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestOpenAIRequest(t *testing.T) {
	f := newFake(t)
	f.KeyOptional = true
	c := NewOpenAI(f.URL+"/v1", nil)
	for _, tc := range []struct {
		name   string
		key    string
		model  Model
		req    Request
		stream bool
		want   string
	}{
		{"GPT-5 family", testKey, Model{ID: "gpt-5.1", MaxCompletionTokens: true, NoTemperature: true}, testRequest, false,
			`{"model":"gpt-5.1","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Say hi"}],"max_completion_tokens":256}`},
		{"older model", testKey, Model{ID: "gpt-4.1-mini"}, Request{Prompt: "Hi", MaxTokens: 10, Temperature: new(0.7)}, false,
			`{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"Hi"}],"max_tokens":10,"temperature":0.7}`},
		{"stream asks for usage", testKey, Model{ID: "gpt-4.1-mini", MaxCompletionTokens: true}, testRequest, true,
			`{"model":"gpt-4.1-mini","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Say hi"}],"max_completion_tokens":256,"temperature":0.7,"stream":true,"stream_options":{"include_usage":true}}`},
		{"local server, no key", "", Model{ID: "llama3.2"}, Request{Prompt: "Hi", MaxTokens: 10}, false,
			`{"model":"llama3.2","messages":[{"role":"user","content":"Hi"}],"max_tokens":10}`},
	} {
		var err error
		if tc.stream {
			_, err = c.Stream(t.Context(), tc.key, &tc.model, tc.req, (&deltaRecorder{}).onDelta)
		} else {
			_, err = c.Generate(t.Context(), tc.key, &tc.model, tc.req)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		reqs := f.Requests()
		got := reqs[len(reqs)-1]
		if string(got.Body) != tc.want {
			t.Errorf("%s: body\n%s\nwant\n%s", tc.name, got.Body, tc.want)
		}
		wantAuth := ""
		if tc.key != "" {
			wantAuth = "Bearer " + tc.key
		}
		_, hasAuth := got.Header["Authorization"]
		if got.Path != "/v1/chat/completions" || got.Header.Get("Authorization") != wantAuth || hasAuth != (tc.key != "") ||
			got.Header.Get("content-type") != "application/json" {
			t.Errorf("%s: %s %v", tc.name, got.Path, got.Header)
		}
	}
}

func TestOpenAIFakeRefusesWhatReasoningModelsRefuse(t *testing.T) {
	f := newFake(t)
	f.RejectMaxTokens = map[string]bool{"gpt-5.1": true}
	f.RejectTemperature = map[string]bool{"gpt-5.1": true}
	c := NewOpenAI(f.URL+"/v1", nil)
	if _, err := c.Generate(t.Context(), testKey, &Model{ID: "gpt-5.1", MaxCompletionTokens: true, NoTemperature: true}, testRequest); err != nil {
		t.Fatalf("as configured: %v", err)
	}
	for _, tc := range []struct {
		model    Model
		wantType string
	}{
		{Model{ID: "gpt-5.1", NoTemperature: true}, "unsupported_parameter"},
		{Model{ID: "gpt-5.1", MaxCompletionTokens: true}, "unsupported_value"},
	} {
		_, err := c.Generate(t.Context(), testKey, &tc.model, testRequest)
		// A parameter the model refuses is the gateway's choice, not the
		// caller's mistake: the router fails over rather than blame them.
		if up := upstreamErr(t, err); up.Status != 400 || up.Type != tc.wantType || up.CallerFault() {
			t.Errorf("%+v: %+v", tc.model, up)
		}
	}
}

func TestOpenAIGenerate(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Text: "Hi there.", Model: "gpt-4.1-mini-2025-04-14", Finish: "length",
		Usage: fakeupstream.Usage{InputTokens: 100, CacheRead: 50, OutputTokens: 20, Thoughts: 10}})
	res, err := NewOpenAI(f.URL+"/v1", nil).Generate(t.Context(), testKey, &Model{ID: "gpt-4.1-mini"}, testRequest)
	if err != nil {
		t.Fatal(err)
	}
	// prompt_tokens includes the cached ones; completion_tokens the reasoning.
	want := Result{Text: "Hi there.", Model: "gpt-4.1-mini-2025-04-14", StopReason: "length", Finish: FinishLength, UsageSeen: true,
		Usage: Usage{Input: 100, CacheRead: 50, Output: 30, Reasoning: 10}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

func TestOpenAICompatibleServerWithoutUsage(t *testing.T) {
	f := newFake(t)
	f.KeyOptional = true
	f.Default(fakeupstream.Reply{Text: "from llama", NoUsage: true})
	c := NewOpenAI(f.URL+"/v1", nil)
	res, err := c.Generate(t.Context(), "", &Model{ID: "llama3.2"}, testRequest)
	if err != nil || res.Text != "from llama" || res.UsageSeen || res.Usage != (Usage{}) {
		t.Fatalf("generate: %v %+v", err, res)
	}
	res, err = c.Stream(t.Context(), "", &Model{ID: "llama3.2"}, testRequest, (&deltaRecorder{}).onDelta)
	if err != nil || res.Text != "from llama" || res.UsageSeen || res.StopReason != "stop" {
		t.Fatalf("stream: %v %+v", err, res)
	}
}

func TestOpenAIStream(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Text: "Hello big world", Usage: fakeupstream.Usage{InputTokens: 19, CacheRead: 4, OutputTokens: 3}})
	rec := &deltaRecorder{}
	res, err := NewOpenAI(f.URL+"/v1", nil).Stream(t.Context(), testKey, &Model{ID: "gpt-test"}, testRequest, rec.onDelta)
	if err != nil {
		t.Fatal(err)
	}
	// The role chunk's empty content is not a delta.
	if got := strings.Join(rec.deltas, "|"); got != "Hello| big| world" {
		t.Errorf("deltas %q", got)
	}
	want := Result{Text: "Hello big world", Model: "gpt-test", StopReason: "stop", Finish: FinishStop, UsageSeen: true, Usage: Usage{Input: 19, CacheRead: 4, Output: 3}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

// openAISample is the reference's stream, with the obfuscation padding
// newer servers add.
const openAISample = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null,"obfuscation":"xY"}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"content":"Hi."},"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":3,"total_tokens":22}}

data: [DONE]

`

func TestOpenAIStreamFromTheWire(t *testing.T) {
	srv := literalServer(t, 200, sseHeader, openAISample)
	rec := &deltaRecorder{}
	res, err := NewOpenAI(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gpt-test"}, testRequest, rec.onDelta)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Text: "Hi.", Model: "gpt-4.1-mini", StopReason: "stop", Finish: FinishStop, UsageSeen: true, Usage: Usage{Input: 19, Output: 3}}
	if !reflect.DeepEqual(res, want) || strings.Join(rec.deltas, "|") != "Hi." {
		t.Fatalf("deltas %q\ngot  %+v\nwant %+v", rec.deltas, res, want)
	}
}

func TestOpenAIStreamWithoutDoneIsTruncated(t *testing.T) {
	srv := literalServer(t, 200, sseHeader, openAISample[:strings.Index(openAISample, "data: [DONE]")])
	res, err := NewOpenAI(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "gpt-test"}, testRequest, (&deltaRecorder{}).onDelta)
	if up := upstreamErr(t, err); up.Status != 200 || up.Type != "stream_truncated" {
		t.Fatalf("%+v", up)
	}
	if res.Text != "Hi." || !res.UsageSeen || res.Usage != (Usage{Input: 19, Output: 3}) {
		t.Fatalf("partial result %+v", res)
	}
}

func TestOpenAIStreamErrorChunk(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, StreamError: "server_error", ErrorMessage: "The server had an error"})
	res, err := NewOpenAI(f.URL+"/v1", nil).Stream(t.Context(), testKey, &Model{ID: "gpt-test"}, testRequest, (&deltaRecorder{}).onDelta)
	if up := upstreamErr(t, err); *up != (UpstreamError{Status: 200, Type: "server_error", Message: "The server had an error"}) {
		t.Fatalf("%+v", up)
	}
	if res.Text != "Hello" || res.UsageSeen {
		t.Fatalf("partial result %+v", res)
	}
}

func TestOpenAIErrors(t *testing.T) {
	f := newFake(t)
	c := NewOpenAI(f.URL+"/v1", nil)
	for _, tc := range []struct {
		name  string
		reply fakeupstream.Reply
		want  UpstreamError
	}{
		{"key refused, masked key echoed", fakeupstream.Reply{Status: 401, ErrorType: "invalid_api_key", ErrorMessage: "Incorrect API key provided: sk-tes***cdef."},
			UpstreamError{Status: 401, Type: "invalid_api_key", Message: providertext.KeyRefused, Auth: true}},
		{"rate limited", fakeupstream.Reply{Status: 429, ErrorType: "rate_limit_exceeded", ErrorMessage: "Rate limit reached", RetryAfter: "2"},
			UpstreamError{Status: 429, Type: "rate_limit_exceeded", Message: "Rate limit reached", RetryAfter: 2 * time.Second}},
		{"out of quota, same status", fakeupstream.Reply{Status: 429, ErrorType: "insufficient_quota", ErrorMessage: "You exceeded your current quota"},
			UpstreamError{Status: 429, Type: "insufficient_quota", Message: "You exceeded your current quota"}},
		{"no code: the type", fakeupstream.Reply{Status: 500, ErrorMessage: "The server had an error"},
			UpstreamError{Status: 500, Type: "server_error", Message: "The server had an error"}},
	} {
		f.Enqueue(tc.reply)
		_, err := c.Generate(t.Context(), testKey, &Model{ID: "gpt-test"}, testRequest)
		if up := upstreamErr(t, err); *up != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, *up, tc.want)
		}
	}
}

func TestOpenAICompatibleErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		header     http.Header
		want       UpstreamError
	}{
		{"Ollama's string", `{"error":"model \"llama9\" not found, try pulling it first"}`, 404, jsonHeader,
			UpstreamError{Status: 404, Message: `model "llama9" not found, try pulling it first`}},
		{"vLLM's top-level fields", `{"object":"error","message":"The model does not exist.","type":"NotFoundError","param":null,"code":404}`, 404, jsonHeader,
			UpstreamError{Status: 404, Type: "NotFoundError", Message: "The model does not exist."}},
		{"retry-after-ms", `{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, 429,
			http.Header{"Content-Type": {"application/json"}, "Retry-After-Ms": {"250"}},
			UpstreamError{Status: 429, Type: "rate_limit_exceeded", Message: "slow down", RetryAfter: 250 * time.Millisecond}},
	} {
		srv := literalServer(t, tc.status, tc.header, tc.body)
		_, err := NewOpenAI(srv.URL, nil).Generate(t.Context(), "", &Model{ID: "llama9"}, testRequest)
		if up := upstreamErr(t, err); *up != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, *up, tc.want)
		}
	}
}
