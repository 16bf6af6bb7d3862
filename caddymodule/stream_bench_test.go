package caddymodule

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// BenchmarkStreamThroughProxies streams a 20-chunk chat completion from a
// local fake through Caddy's reverse_proxy, through Kaine's drop-in route,
// as a streamed POST /v1/llm and through the unified
// /v1/chat/completions, one stream at a time, and reports the process's CPU per stream
// (the fake's and the client's are the same for both, so the difference
// is the proxies'):
//
//	go test -run XXX -bench StreamThroughProxies -benchtime 2000x ./caddymodule/
func BenchmarkStreamThroughProxies(b *testing.B) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Chunks: strings.Fields(strings.Repeat("word ", 20)),
		Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 20}})
	g, proxyURL, k := proxiesOf(b, fake)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	chat := []byte(`{"model":"gpt-5.4","messages":[{"role":"user","content":"Count"}],"max_completion_tokens":80,"stream":true}`)
	llm := []byte(`{"prompt":"Count","provider":"openai","max_tokens":80,"stream":true}`)
	for _, t := range []struct {
		name, url, key string
		body           []byte
	}{
		{"reverse_proxy", proxyURL + "/v1/chat/completions", "bench-key", chat},
		{"dropin", g.base + "/openai/v1/chat/completions", k.Key, chat},
		{"llm", g.base + "/v1/llm", k.Key, llm},
		{"chat", g.base + "/v1/chat/completions", k.Key, chat},
	} {
		b.Run(t.name, func(b *testing.B) {
			for range 200 { // warm connections and caches
				timedPost(b, client, t.url, t.key, t.body)
			}
			before := cpuTime()
			b.ResetTimer()
			for range b.N {
				timedPost(b, client, t.url, t.key, t.body)
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/stream")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
