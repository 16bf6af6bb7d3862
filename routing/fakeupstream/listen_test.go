package fakeupstream

import (
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tidwall/gjson"
)

func TestServeAnswersOnTheGivenListenerFromRespondAndForgets(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wrapped atomic.Int64
	s := Serve(l, Options{
		Forget: true,
		Respond: func(got Received) Reply {
			prompt := gjson.GetBytes(got.Body, "messages.0.content").Str
			return Reply{Text: got.Protocol + " heard " + prompt, Usage: Usage{InputTokens: len(got.Body) / 4, OutputTokens: 3}}
		},
		Wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				wrapped.Add(1)
				h.ServeHTTP(w, r)
			})
		},
	})
	defer s.Close()
	if s.URL != "http://"+l.Addr().String() {
		t.Fatalf("URL %q, listening on %s", s.URL, l.Addr())
	}

	status, body := do(t, s, "/v1/chat/completions", openAIHeaders, openAIBody)
	if status != 200 || gjson.Get(body, "choices.0.message.content").Str != "openai heard hi" ||
		gjson.Get(body, "usage.prompt_tokens").Int() != int64(len(openAIBody)/4) {
		t.Fatalf("%d %s", status, body)
	}
	// Streams go through the wrapper too, and a refused call gets no reply made.
	status, body = do(t, s, "/v1/messages", anthropicHeaders, `{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"yo"}]}`)
	if status != 200 || strings.Count(body, "event: content_block_delta") != 3 {
		t.Fatalf("stream: %d %s", status, body)
	}
	if status, _ := do(t, s, "/v1/messages", nil, anthropicBody); status != 401 {
		t.Fatalf("a call without a key: %d", status)
	}
	if wrapped.Load() != 3 || s.Calls() != 0 || len(s.Requests()) != 0 {
		t.Fatalf("%d requests wrapped, %d recorded; want 3 and none", wrapped.Load(), s.Calls())
	}

	s.Close()
	if conn, err := net.Dial("tcp", l.Addr().String()); err == nil {
		conn.Close()
		t.Fatal("the listener is still open after Close")
	}
}
