package routing

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keinetech/kaine/internal/eventbench"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// BenchmarkStreamedAnswer reads a 100-chunk streamed answer of each
// protocol, as the fake sends it, from memory: the client's own work per
// event (splitting, parsing, gathering the answer, passing pieces on),
// without the network. It reports allocations per event:
//
//	go test -run XXX -bench StreamedAnswer -benchmem ./routing/
func BenchmarkStreamedAnswer(b *testing.B) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Chunks: strings.Fields(strings.Repeat("word ", 100)),
		Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 100}})
	req := Request{Prompt: "Count", MaxTokens: 200}
	for _, p := range []struct {
		name  string
		model *Model
		new   func(url string, hc *http.Client) Client
		url   string
	}{
		{"anthropic", &Model{ID: "claude-sonnet-4-6"}, NewAnthropic, fake.URL},
		{"gemini", &Model{ID: "gemini-2.5-flash"}, NewGemini, fake.URL},
		{"openai", &Model{ID: "gpt-5.4"}, NewOpenAI, fake.URL + "/v1"},
	} {
		rec := &recordingTransport{}
		if _, err := p.new(p.url, &http.Client{Transport: rec}).Stream(b.Context(), testKey, p.model, req, func(Chunk) error { return nil }); err != nil {
			b.Fatalf("%s: recording the stream: %v", p.name, err)
		}
		events := bytes.Count(rec.body, []byte("data:"))
		client := p.new(p.url, &http.Client{Transport: replayTransport(rec.body)})
		b.Run(p.name, func(b *testing.B) {
			eventbench.Loop(b, events, func() {
				if _, err := client.Stream(b.Context(), testKey, p.model, req, func(Chunk) error { return nil }); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// recordingTransport keeps the body of the one answer it fetches.
type recordingTransport struct{ body []byte }

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if t.body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(t.body))
	return resp, nil
}

// replayTransport answers every request with the stream it holds.
type replayTransport []byte

func (t replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: io.NopCloser(bytes.NewReader(t)), Request: req}, nil
}
