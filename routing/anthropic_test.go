package routing

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/providertext"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestAnthropicRequest(t *testing.T) {
	f := newFake(t)
	c := NewAnthropic(f.URL+"/", nil) // a trailing slash is tolerated
	for _, tc := range []struct {
		name   string
		model  Model
		req    Request
		stream bool
		want   string
	}{
		{"full", Model{ID: "claude-test"}, testRequest, false,
			`{"model":"claude-test","max_tokens":256,"system":"Be terse.","messages":[{"role":"user","content":"Say hi"}],"temperature":0.7}`},
		{"no temperature, no system", Model{ID: "claude-5", NoTemperature: true}, Request{Prompt: "Hi", MaxTokens: 10, Temperature: new(0.7)}, false,
			`{"model":"claude-5","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}`},
		{"temperature capped", Model{ID: "claude-test", MaxTemperature: 1}, Request{Prompt: "Hi", MaxTokens: 10, Temperature: new(1.5)}, false,
			`{"model":"claude-test","max_tokens":10,"messages":[{"role":"user","content":"Hi"}],"temperature":1}`},
		{"stream", Model{ID: "claude-test"}, testRequest, true,
			`{"model":"claude-test","max_tokens":256,"system":"Be terse.","messages":[{"role":"user","content":"Say hi"}],"temperature":0.7,"stream":true}`},
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
		if got.Path != "/v1/messages" || got.RawQuery != "" || got.Header.Get("x-api-key") != testKey ||
			got.Header.Get("anthropic-version") != "2023-06-01" || got.Header.Get("content-type") != "application/json" {
			t.Errorf("%s: %s?%s %v", tc.name, got.Path, got.RawQuery, got.Header)
		}
	}
}

func TestAnthropicFakeRefusesATemperatureTheModelDoesNotTake(t *testing.T) {
	f := newFake(t)
	f.RejectTemperature = map[string]bool{"claude-5": true}
	c := NewAnthropic(f.URL, nil)
	if _, err := c.Generate(t.Context(), testKey, &Model{ID: "claude-5", NoTemperature: true}, testRequest); err != nil {
		t.Fatalf("without temperature: %v", err)
	}
	_, err := c.Generate(t.Context(), testKey, &Model{ID: "claude-5"}, testRequest)
	if up := upstreamErr(t, err); up.Status != 400 || up.Type != "invalid_request_error" || !up.CallerFault() {
		t.Fatalf("with temperature: %+v", up)
	}
}

func TestAnthropicGenerate(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Text: "Hi there.", Model: "claude-test-20260101", Finish: "max_tokens",
		Usage: fakeupstream.Usage{InputTokens: 100, CacheRead: 300, CacheWrite: 40, CacheWrite1h: 60, OutputTokens: 20, Thoughts: 5}})
	res, err := NewAnthropic(f.URL, nil).Generate(t.Context(), testKey, &Model{ID: "claude-test"}, testRequest)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Text: "Hi there.", Model: "claude-test-20260101", StopReason: "max_tokens", Finish: FinishLength, UsageSeen: true,
		Usage: Usage{Input: 100, CacheRead: 300, CacheWrite: 40, CacheWrite1h: 60, Output: 25}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

func TestAnthropicGenerateFromTheWire(t *testing.T) {
	// Text blocks joined, the tool_use block read as a call, the thinking
	// block kept apart; no cache_creation split, so every write is 5-minute.
	srv := literalServer(t, 200, jsonHeader, `{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-6",
 "content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"Checking. "},
   {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"SF"}},{"type":"text","text":"Done."}],
 "stop_reason":"end_turn","stop_sequence":null,
 "usage":{"input_tokens":12,"output_tokens":4,"cache_creation_input_tokens":7,"cache_read_input_tokens":3,"service_tier":"standard"}}`)
	res, err := NewAnthropic(srv.URL, nil).Generate(t.Context(), testKey, &Model{ID: "sonnet"}, testRequest)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Text: "Checking. Done.", Model: "claude-sonnet-4-6", StopReason: "end_turn", Finish: FinishStop, UsageSeen: true,
		Usage:     Usage{Input: 12, CacheRead: 3, CacheWrite: 7, Output: 4},
		Thinking:  []ThinkingBlock{{Text: "hmm", Signature: "x"}},
		ToolCalls: []ToolCall{{ID: "toolu_01A", Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

func TestAnthropicStream(t *testing.T) {
	f := newFake(t)
	gate := make(chan struct{})
	f.Default(fakeupstream.Reply{Text: "Hello big world", PauseAfter: 1, Gate: gate,
		Usage: fakeupstream.Usage{InputTokens: 394, CacheRead: 10, CacheWrite: 5, OutputTokens: 15}})
	rec := &deltaRecorder{}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := NewAnthropic(f.URL, nil).Stream(ctx, testKey, &Model{ID: "claude-test"}, testRequest, func(c Chunk) error {
		if len(rec.deltas) == 0 {
			close(gate) // the answer is paused: this delta came before its end
		}
		return rec.onDelta(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.deltas, "|"); got != "Hello| big| world" {
		t.Errorf("deltas %q", got)
	}
	want := Result{Text: "Hello big world", Model: "claude-test", StopReason: "end_turn", Finish: FinishStop, UsageSeen: true,
		Usage: Usage{Input: 394, CacheRead: 10, CacheWrite: 5, Output: 15}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

// anthropicCassette is the recorded stream from the reference, with the
// stray whitespace, CRLF line ends, a ping in the middle and event types
// the client must skip; its message_delta repeats the input figures, as
// newer servers do, and they win over message_start's.
const anthropicCassette = "event: message_start\r\n" +
	`data: {"type":"message_start","message":{"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":394,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}  }` + "\r\n\r\n" +
	"event: content_block_start\r\n" +
	`data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}` + "\r\n\r\n" +
	"event: content_block_delta\r\n" +
	`data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}` + "\r\n\r\n" +
	"event: ping\r\n" +
	`data: {"type": "ping"}` + "\r\n\r\n" +
	"event: content_block_start\r\n" +
	`data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}` + "\r\n\r\n" +
	"event: content_block_delta\r\n" +
	`data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}   }` + "\r\n\r\n" +
	"event: content_block_delta\r\n" +
	`data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" there"}}` + "\r\n\r\n" +
	"event: content_block_stop\r\n" +
	`data: {"type":"content_block_stop","index":1 }` + "\r\n\r\n" +
	"event: message_delta\r\n" +
	`data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":390,"cache_read_input_tokens":4,"output_tokens":15}}` + "\r\n\r\n" +
	"event: message_stop\r\n" +
	`data: {"type":"message_stop"       }` + "\r\n\r\n"

func TestAnthropicStreamFromTheWire(t *testing.T) {
	srv := literalServer(t, 200, sseHeader, anthropicCassette)
	rec := &deltaRecorder{}
	res, err := NewAnthropic(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "sonnet"}, testRequest, rec.onDelta)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.deltas, "|"); got != "Hello| there" {
		t.Errorf("deltas %q", got)
	}
	want := Result{Text: "Hello there", Model: "claude-sonnet-4-6", StopReason: "end_turn", Finish: FinishStop, UsageSeen: true,
		Usage: Usage{Input: 390, CacheRead: 4, Output: 15}, Thinking: []ThinkingBlock{{Text: "Let me think"}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("got  %+v\nwant %+v", res, want)
	}
}

func TestAnthropicStreamWithoutMessageStopIsTruncated(t *testing.T) {
	cut := anthropicCassette[:strings.Index(anthropicCassette, "event: content_block_stop")]
	srv := literalServer(t, 200, sseHeader, cut)
	res, err := NewAnthropic(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: "sonnet"}, testRequest, (&deltaRecorder{}).onDelta)
	if up := upstreamErr(t, err); up.Status != 200 || up.Type != "stream_truncated" {
		t.Fatalf("%+v", up)
	}
	// message_start's output_tokens is a placeholder, not a count.
	if res.Text != "Hello there" || !res.UsageSeen || res.Usage != (Usage{Input: 394}) {
		t.Fatalf("partial result %+v", res)
	}
}

func TestAnthropicStreamErrorEvent(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, StreamError: "overloaded_error", ErrorMessage: "Overloaded",
		Usage: fakeupstream.Usage{InputTokens: 12}})
	res, err := NewAnthropic(f.URL, nil).Stream(t.Context(), testKey, &Model{ID: "claude-test"}, testRequest, (&deltaRecorder{}).onDelta)
	up := upstreamErr(t, err)
	if *up != (UpstreamError{Status: 200, Type: "overloaded_error", Message: "Overloaded"}) || up.CallerFault() {
		t.Fatalf("%+v", up)
	}
	if res.Text != "Hello" || !res.UsageSeen || res.Usage.Input != 12 {
		t.Fatalf("partial result %+v", res)
	}
}

func TestAnthropicErrors(t *testing.T) {
	f := newFake(t)
	c := NewAnthropic(f.URL, nil)
	for _, tc := range []struct {
		name  string
		reply fakeupstream.Reply
		want  UpstreamError
	}{
		{"rate limited", fakeupstream.Reply{Status: 429, ErrorType: "rate_limit_error", ErrorMessage: "Number of request tokens has exceeded your per-minute rate limit", RetryAfter: "7"},
			UpstreamError{Status: 429, Type: "rate_limit_error", Message: "Number of request tokens has exceeded your per-minute rate limit", RetryAfter: 7 * time.Second}},
		{"overloaded", fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"},
			UpstreamError{Status: 529, Type: "overloaded_error", Message: "Overloaded"}},
		{"prompt too long", fakeupstream.Reply{Status: 400, ErrorType: "invalid_request_error", ErrorMessage: "prompt is too long: 210000 tokens > 200000 maximum"},
			UpstreamError{Status: 400, Type: "invalid_request_error", Message: "prompt is too long: 210000 tokens > 200000 maximum"}},
		{"key refused, key echoed", fakeupstream.Reply{Status: 401, ErrorType: "authentication_error", ErrorMessage: "invalid x-api-key sk-tes***cdef"},
			UpstreamError{Status: 401, Type: "authentication_error", Message: providertext.KeyRefused, Auth: true}},
		{"no permission", fakeupstream.Reply{Status: 403, ErrorType: "permission_error", ErrorMessage: "Your API key does not have permission"},
			UpstreamError{Status: 403, Type: "permission_error", Message: providertext.KeyRefused, Auth: true}},
	} {
		f.Enqueue(tc.reply)
		res, err := c.Generate(t.Context(), testKey, &Model{ID: "claude-test"}, testRequest)
		if up := upstreamErr(t, err); *up != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, *up, tc.want)
		}
		if res.Model != "claude-test" || res.Text != "" || res.UsageSeen {
			t.Errorf("%s: result %+v", tc.name, res)
		}
	}
}

func TestAnthropicMissingKeyIsRefusedByTheFake(t *testing.T) {
	f := newFake(t)
	_, err := NewAnthropic(f.URL, nil).Generate(t.Context(), "", &Model{ID: "claude-test"}, testRequest)
	if up := upstreamErr(t, err); up.Status != 401 || !up.Auth || up.CallerFault() {
		t.Fatalf("%+v", up)
	}
}
