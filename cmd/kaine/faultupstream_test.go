package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"
)

// A provider that fails in one of the ways real ones do, in the Anthropic
// Messages and OpenAI Chat Completions wire formats. The fault is the first
// path segment: a provider's base_url is faultURL/hang (Anthropic) or
// faultURL/hang/v1 (OpenAI). A refused connection needs no server: it is a
// closed port.
const (
	faultRefuse  = "refuse"  // nothing listens
	faultHang    = "hang"    // accepts the request and never answers
	faultReset   = "reset"   // starts a 200 answer, then resets the connection
	faultGarbage = "garbage" // 200 with a body (or events) that is not JSON
	fault429     = "429"     // 429 rate limited, with Retry-After
	faultSlow    = "slow"    // answers well, but only after three timeouts
	faultStall   = "stall"   // starts a 200 answer, then goes silent
	faultProxy   = "proxy"   // a proxy's HTML 502 page in front of the provider
	// faultCut streams two text deltas, waits for the gate, then resets.
	faultCut = "cut"
	// faultTrickle streams a good answer a piece every third of the
	// timeout, so the whole takes twice the timeout.
	faultTrickle = "trickle"
)

// The faults every failover test plays.
var providerFaults = []string{faultRefuse, faultHang, faultReset, faultGarbage, fault429, faultSlow, faultStall, faultProxy}

// The text the trickle fault streams, a piece at a time.
var tricklePieces = []string{"slow ", "but ", "steady ", "wins ", "the ", "race"}

type faultUpstream struct {
	URL     string
	timeout time.Duration // the providers' timeout, which slow and trickle play around
	srv     *httptest.Server
	done    chan struct{}
	open    atomic.Int64 // requests being handled
	calls   atomic.Int64
	// gate is closed by the test to let the cut fault cut its stream.
	gate chan struct{}
}

func newFaultUpstream(timeout time.Duration) *faultUpstream {
	f := &faultUpstream{timeout: timeout, done: make(chan struct{}), gate: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	return f
}

// Close ends hung answers, then stops the server.
func (f *faultUpstream) Close() {
	close(f.done)
	f.srv.Close()
}

// wire is one provider protocol's framing of an answer.
type protocolWire struct {
	anthropic bool
	model     string
}

func (f *faultUpstream) serve(w http.ResponseWriter, r *http.Request) {
	f.open.Add(1)
	defer f.open.Add(-1)
	f.calls.Add(1)
	fault, endpoint, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var wr protocolWire
	switch endpoint {
	case "v1/messages":
		wr = protocolWire{anthropic: true}
	case "v1/chat/completions":
	default:
		http.NotFound(w, r)
		return
	}
	wr.model = gjson.GetBytes(body, "model").Str
	stream := gjson.GetBytes(body, "stream").Bool()

	switch fault {
	case faultHang:
		f.sleep(r.Context(), 0)
	case faultSlow:
		if f.sleep(r.Context(), 3*f.timeout) {
			wr.answer(w, "late answer")
		}
	case fault429:
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		if wr.anthropic {
			io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`)
		} else {
			io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)
		}
	case faultGarbage:
		if stream {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: message_start\ndata: <html>502 Bad Gateway</html>\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	case faultStall:
		rc := http.NewResponseController(w)
		if stream {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, wr.start(20))
		} else {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "400")
			io.WriteString(w, `{"id":"msg_stall","type":"message",`)
		}
		rc.Flush()
		f.sleep(r.Context(), 0)
	case faultProxy:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
	case faultReset:
		conn, buf := hijack(w)
		if stream {
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			writeChunk(buf, wr.start(20))
		} else { // promises more than it sends
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n")
			buf.WriteString(`{"id":"msg_reset","type":"message","role":"assist`)
		}
		buf.Flush()
		reset(conn)
	case faultCut:
		conn, buf := hijack(w)
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
		writeChunk(buf, wr.start(20))
		writeChunk(buf, wr.delta("Hello"))
		writeChunk(buf, wr.delta(" world"))
		buf.Flush()
		select {
		case <-f.gate:
		case <-f.done:
		}
		reset(conn)
	case faultTrickle:
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		io.WriteString(w, wr.start(10))
		rc.Flush()
		for _, piece := range tricklePieces {
			if !f.sleep(r.Context(), f.timeout/3) {
				return
			}
			io.WriteString(w, wr.delta(piece))
			rc.Flush()
		}
		io.WriteString(w, wr.end(10, len(tricklePieces)))
		rc.Flush()
	default:
		http.NotFound(w, r)
	}
}

// sleep waits d (forever for 0) unless the client leaves or the fake
// closes; it reports whether the wait ran out.
func (f *faultUpstream) sleep(ctx context.Context, d time.Duration) bool {
	var after <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-after:
		return true
	case <-ctx.Done():
	case <-f.done:
	}
	return false
}

func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("fault upstream: hijacking: " + err.Error())
	}
	return conn, buf
}

// reset closes the connection with a TCP RST rather than a FIN.
func reset(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

func writeChunk(buf *bufio.ReadWriter, data string) {
	fmt.Fprintf(buf, "%x\r\n%s\r\n", len(data), data)
}

func jsonText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// start is the stream's opening: Anthropic's message_start (with the
// input tokens) and first block, OpenAI's role chunk.
func (wr protocolWire) start(inputTokens int) string {
	if wr.anthropic {
		return "event: message_start\ndata: " + jsonText(map[string]any{"type": "message_start", "message": map[string]any{
			"id": "msg_fault", "type": "message", "role": "assistant", "model": wr.model, "content": []any{},
			"stop_reason": nil, "usage": map[string]any{"input_tokens": inputTokens, "output_tokens": 1}}}) + "\n\n" +
			"event: content_block_start\ndata: " + `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` + "\n\n"
	}
	return "data: " + jsonText(map[string]any{"id": "chatcmpl-fault", "object": "chat.completion.chunk", "model": wr.model,
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": ""}, "finish_reason": nil}}}) + "\n\n"
}

func (wr protocolWire) delta(text string) string {
	if wr.anthropic {
		return "event: content_block_delta\ndata: " + jsonText(map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": text}}) + "\n\n"
	}
	return "data: " + jsonText(map[string]any{"id": "chatcmpl-fault", "object": "chat.completion.chunk", "model": wr.model,
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": text}, "finish_reason": nil}}}) + "\n\n"
}

func (wr protocolWire) end(inputTokens, outputTokens int) string {
	if wr.anthropic {
		return "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
			"event: message_delta\ndata: " + jsonText(map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": "end_turn"}, "usage": map[string]any{"output_tokens": outputTokens}}) + "\n\n" +
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	}
	return "data: " + jsonText(map[string]any{"id": "chatcmpl-fault", "object": "chat.completion.chunk", "model": wr.model,
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}}) + "\n\n" +
		"data: " + jsonText(map[string]any{"id": "chatcmpl-fault", "object": "chat.completion.chunk", "model": wr.model, "choices": []any{},
		"usage": map[string]any{"prompt_tokens": inputTokens, "completion_tokens": outputTokens, "total_tokens": inputTokens + outputTokens}}) + "\n\n" +
		"data: [DONE]\n\n"
}

// answer is a whole non-streamed answer.
func (wr protocolWire) answer(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	if wr.anthropic {
		io.WriteString(w, jsonText(map[string]any{"id": "msg_fault", "type": "message", "role": "assistant", "model": wr.model,
			"content": []any{map[string]any{"type": "text", "text": text}}, "stop_reason": "end_turn",
			"usage": map[string]any{"input_tokens": 10, "output_tokens": 5}}))
		return
	}
	io.WriteString(w, jsonText(map[string]any{"id": "chatcmpl-fault", "object": "chat.completion", "model": wr.model,
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}},
		"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}))
}
