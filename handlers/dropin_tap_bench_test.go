package handlers

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/keinetech/kaine/internal/eventbench"
	"github.com/keinetech/kaine/routing"
)

// openAIStream is a streamed Chat Completions answer of n text chunks and
// its usage chunk, as the drop-in route taps it.
func openAIStream(n int) []byte {
	var b strings.Builder
	for range n {
		b.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-5.4","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}` + "\n\n")
	}
	b.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-5.4","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":100,"total_tokens":112}}` + "\n\ndata: [DONE]\n\n")
	return []byte(b.String())
}

// The tap alone, per event: go test -run XXX -bench SSETap -benchmem ./handlers/
func BenchmarkSSETap(b *testing.B) {
	stream := openAIStream(100)
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(stream)))
	eventbench.Loop(b, 102, func() {
		ex := &dropInExchange{meter: routing.NewMeter("openai", "gpt-5.4", false)}
		tap := newSSETap(io.NopCloser(bytes.NewReader(stream)), ex)
		for {
			if _, err := tap.Read(buf); err != nil {
				break
			}
		}
	})
}
