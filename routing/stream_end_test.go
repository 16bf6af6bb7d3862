package routing

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// streamEndCases are streams whose protocol ends before the body does.
var streamEndCases = []struct {
	name   string
	client func(url string, hc *http.Client) Client
	model  string
	events []string
}{
	{"openai [DONE]", NewOpenAI, "gpt-test", []string{
		`data: {"model":"gpt-test-1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}` + "\n\n",
		`data: {"model":"gpt-test-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}` + "\n\n",
		"data: [DONE]\n\n",
	}},
	{"anthropic message_stop", NewAnthropic, "claude-test", []string{
		"event: message_start\ndata: " + `{"type":"message_start","message":{"model":"claude-test-1","usage":{"input_tokens":3,"output_tokens":1}}}` + "\n\n",
		"event: content_block_start\ndata: " + `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` + "\n\n",
		"event: content_block_delta\ndata: " + `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}` + "\n\n",
		"event: content_block_stop\ndata: " + `{"type":"content_block_stop","index":0}` + "\n\n",
		"event: message_delta\ndata: " + `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}` + "\n\n",
		"event: message_stop\ndata: " + `{"type":"message_stop"}` + "\n\n",
	}},
}

// streamServer sends events one flush each, so the body is chunked, then
// waits for hold before its last chunk. It counts the connections it
// accepts.
func streamServer(t *testing.T, events []string, hold <-chan struct{}) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, e := range events {
			w.Write([]byte(e))
			w.(http.Flusher).Flush()
		}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// Over HTTP/1.1 a body closed before its last chunk closes its connection:
// a stream read to its protocol's end is read to the body's, and the next
// call reuses the connection instead of dialing (a TLS handshake, with a
// provider).
func TestAnEndedStreamLeavesItsConnectionToTheNextCall(t *testing.T) {
	for _, tc := range streamEndCases {
		t.Run(tc.name, func(t *testing.T) {
			// The last chunk comes a little after the protocol's end, as
			// over a network: a client that stops at the end closes the
			// connection before it.
			last := make(chan struct{})
			time.AfterFunc(10*time.Millisecond, func() { close(last) })
			srv, conns := streamServer(t, tc.events, last)
			client := tc.client(srv.URL, &http.Client{Transport: &http.Transport{}})
			for i := range 3 {
				res, err := client.Stream(t.Context(), testKey, &Model{ID: tc.model}, testRequest, func(Chunk) error { return nil })
				if err != nil || res.Text != "Hi" {
					t.Fatalf("call %d: %q, %v", i, res.Text, err)
				}
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("3 streamed calls opened %d connections, want 1", n)
			}
		})
	}
}

// A server that holds the answer open after the protocol's end does not
// hold the call: its answer is whole, and the connection is given up.
func TestAStreamHeldOpenAfterItsEndStillAnswers(t *testing.T) {
	for _, tc := range streamEndCases {
		t.Run(tc.name, func(t *testing.T) {
			hold := make(chan struct{})
			srv, _ := streamServer(t, tc.events, hold)
			defer close(hold) // before the server closes: its handler waits
			res, err := tc.client(srv.URL, nil).Stream(t.Context(), testKey, &Model{ID: tc.model}, testRequest, func(Chunk) error { return nil })
			if err != nil || res.Text != "Hi" || res.Usage.Output != 1 {
				t.Fatalf("answer %+v, %v; want Hi with its usage", res, err)
			}
		})
	}
}
