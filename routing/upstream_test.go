package routing

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/providertext"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// testRequest is the call most tests make.
var testRequest = Request{System: "Be terse.", Prompt: "Say hi", MaxTokens: 256, Temperature: new(0.7)}

const testKey = "sk-test-0123456789abcdef"

func newFake(t *testing.T) *fakeupstream.Server {
	t.Helper()
	f := fakeupstream.New()
	t.Cleanup(f.Close)
	return f
}

// literalServer answers every call with body as is: the provider's wire
// samples, byte for byte.
func literalServer(t *testing.T, status int, header http.Header, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

var (
	jsonHeader = http.Header{"Content-Type": {"application/json"}}
	sseHeader  = http.Header{"Content-Type": {"text/event-stream"}}
)

// deltaRecorder collects a stream's text deltas.
type deltaRecorder struct{ deltas []string }

func (d *deltaRecorder) onDelta(c Chunk) error {
	if c.Text != "" {
		d.deltas = append(d.deltas, c.Text)
	}
	return nil
}

// upstreamErr asserts err is an *UpstreamError.
func upstreamErr(t *testing.T, err error) *UpstreamError {
	t.Helper()
	var up *UpstreamError
	if !errors.As(err, &up) {
		t.Fatalf("error %v (%T) is not an *UpstreamError", err, err)
	}
	return up
}

// protocols is each client pointed at the fake, with a model it serves.
func protocols(f *fakeupstream.Server) []struct {
	name   string
	client Client
	model  *Model
} {
	return []struct {
		name   string
		client Client
		model  *Model
	}{
		{"anthropic", NewAnthropic(f.URL, nil), &Model{ID: "claude-test"}},
		{"gemini", NewGemini(f.URL, nil), &Model{ID: "gemini-test"}},
		{"openai", NewOpenAI(f.URL+"/v1", nil), &Model{ID: "gpt-test"}},
	}
}

func TestCancelStopsAHangingCallPromptly(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Hang: true})
	for _, p := range protocols(f) {
		for _, stream := range []bool{false, true} {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(20*time.Millisecond, cancel)
			start := time.Now()
			var err error
			if stream {
				_, err = p.client.Stream(ctx, testKey, p.model, testRequest, (&deltaRecorder{}).onDelta)
			} else {
				_, err = p.client.Generate(ctx, testKey, p.model, testRequest)
			}
			if up := upstreamErr(t, err); up.Status != 0 || !errors.Is(err, context.Canceled) {
				t.Errorf("%s stream=%v: %v, want a cancelled transport error", p.name, stream, err)
			}
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("%s stream=%v took %v to notice the cancel", p.name, stream, elapsed)
			}
		}
	}
}

func TestDeadlineStopsAPausedStreamWithWhatArrived(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, PauseAfter: 1, Gate: make(chan struct{}),
		Usage: fakeupstream.Usage{InputTokens: 9, OutputTokens: 2}})
	for _, p := range protocols(f) {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		rec := &deltaRecorder{}
		res, err := p.client.Stream(ctx, testKey, p.model, testRequest, rec.onDelta)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || upstreamErr(t, err).Status != 0 {
			t.Errorf("%s: %v, want a deadline transport error", p.name, err)
		}
		if res.Text != "Hel" || strings.Join(rec.deltas, "|") != "Hel" {
			t.Errorf("%s: text %q deltas %q, want what came before the pause", p.name, res.Text, rec.deltas)
		}
	}
}

func TestRefusedConnectionIsATransportError(t *testing.T) {
	url := fakeupstream.RefusedURL()
	for _, c := range []Client{NewAnthropic(url, nil), NewGemini(url, nil), NewOpenAI(url+"/v1", nil)} {
		res, err := c.Generate(t.Context(), testKey, &Model{ID: "m"}, testRequest)
		up := upstreamErr(t, err)
		if up.Status != 0 || up.Err == nil || up.CallerFault() || res.Model != "m" {
			t.Errorf("%+v, result %+v", up, res)
		}
	}
}

func TestGarbageAnswersAreProviderFaults(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Garbage: true})
	for _, p := range protocols(f) {
		_, err := p.client.Generate(t.Context(), testKey, p.model, testRequest)
		if up := upstreamErr(t, err); up.Status != 200 || up.Type != "invalid_response" || up.CallerFault() {
			t.Errorf("%s generate: %+v", p.name, up)
		}
		_, err = p.client.Stream(t.Context(), testKey, p.model, testRequest, (&deltaRecorder{}).onDelta)
		if up := upstreamErr(t, err); up.Status != 200 || up.Type != "invalid_response" {
			t.Errorf("%s stream: %+v", p.name, up)
		}
	}
}

func TestCutStreamsFailWithWhatArrived(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Chunks: []string{"a", "b", "c"}, CutAfter: 2, Usage: fakeupstream.Usage{InputTokens: 5, OutputTokens: 3}})
	for _, p := range protocols(f) {
		res, err := p.client.Stream(t.Context(), testKey, p.model, testRequest, (&deltaRecorder{}).onDelta)
		if up := upstreamErr(t, err); up.Status != 0 || up.Err == nil {
			t.Errorf("%s: %+v, want a transport error", p.name, up)
		}
		if res.Text != "ab" {
			t.Errorf("%s: text %q, want the two chunks before the cut", p.name, res.Text)
		}
	}
}

func TestStreamStopsWhenTheCallerFails(t *testing.T) {
	f := newFake(t)
	f.Default(fakeupstream.Reply{Chunks: []string{"a", "b", "c"}})
	gone := errors.New("client gone")
	for _, p := range protocols(f) {
		calls := 0
		res, err := p.client.Stream(t.Context(), testKey, p.model, testRequest, func(Chunk) error {
			calls++
			return gone
		})
		if err != gone || calls != 1 || res.Text != "a" {
			t.Errorf("%s: err %v after %d deltas, text %q", p.name, err, calls, res.Text)
		}
	}
}

func TestKeyIsScrubbedFromErrorMessages(t *testing.T) {
	f := newFake(t)
	for _, p := range protocols(f) {
		f.Enqueue(fakeupstream.Reply{Status: 500, ErrorMessage: "internal error for key " + testKey + ", sorry"})
		_, err := p.client.Generate(t.Context(), testKey, p.model, testRequest)
		if up := upstreamErr(t, err); up.Message != "internal error for key [redacted], sorry" || strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: %q", p.name, up.Message)
		}
		f.Enqueue(fakeupstream.Reply{Chunks: []string{"a"}, StreamError: "server_error", ErrorMessage: "stream broke for " + testKey})
		_, err = p.client.Stream(t.Context(), testKey, p.model, testRequest, (&deltaRecorder{}).onDelta)
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("%s stream: %v", p.name, err)
		}
	}
}

func TestNonJSONErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"a proxy's HTML page", "<html><body>502 Bad Gateway</body></html>", "Bad Gateway"},
		{"a local server's text", "404 page not found\n", "404 page not found"},
		{"empty", "", "Bad Gateway"},
	} {
		status := http.StatusBadGateway
		if strings.HasPrefix(tc.body, "404") {
			status = http.StatusNotFound
		}
		srv := literalServer(t, status, http.Header{"Content-Type": {"text/html"}}, tc.body)
		_, err := NewOpenAI(srv.URL, nil).Generate(t.Context(), "", &Model{ID: "m"}, testRequest)
		if up := upstreamErr(t, err); up.Status != status || up.Message != tc.want || up.Type != "" {
			t.Errorf("%s: %+v", tc.name, up)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"HTTP date", http.Header{"Retry-After": {"Sat, 28 Nov 2026 12:00:30 GMT"}}, 30 * time.Second},
		{"date passed", http.Header{"Retry-After": {"Sat, 28 Nov 2026 11:00:00 GMT"}}, 0},
		{"milliseconds first", http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"2"}}, 1500 * time.Millisecond},
		{"negative", http.Header{"Retry-After": {"-3"}}, 0},
		{"nonsense", http.Header{"Retry-After": {"soon"}}, 0},
		{"absurd", http.Header{"Retry-After": {"99999999999999"}}, maxRetryAfter},
	} {
		if got := retryAfter(tc.header, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCleanMessage(t *testing.T) {
	for _, tc := range []struct {
		name, in, key, want string
	}{
		{"key removed", "bad key sk-1 here", "sk-1", "bad key [redacted] here"},
		{"no key, nothing removed", "plain", "", "plain"},
		{"whitespace collapsed", " line one\n\tline two ", "", "line one line two"},
		{"long text cut on a character", strings.Repeat("é", 400), "", strings.Repeat("é", providertext.MaxMessage) + "…"},
		{"invalid UTF-8 replaced", "a\xffb", "", "a\uFFFDb"},
	} {
		if got := providertext.Clean(tc.in, tc.key); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
