package caddymodule

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// proxiesOf starts a gateway whose drop-in route and a plain Caddy
// reverse_proxy (which flushes each write of an event stream by itself)
// both lead to fake, and returns the gateway, the proxy's base URL and a
// key.
func proxiesOf(b *testing.B, fake *fakeupstream.Server) (*gateway, string, newKey) {
	proxyPort := freePort(b)
	g := startGatewayWithSites(b, "", fmt.Sprintf(`tier developer {
			rpm 1000000000
		}
		provider openai {
			api_key bench-key
			base_url %s/v1
		}`, fake.URL), fmt.Sprintf("http://127.0.0.1:%d {\n\treverse_proxy %s\n}\n", proxyPort, fake.URL))
	return g, fmt.Sprintf("http://127.0.0.1:%d", proxyPort), g.userWithKey("bench", "write")
}

// BenchmarkDropInOverhead compares, in one run, a chat completion sent to a
// local fake OpenAI three ways: directly, through a plain Caddy
// reverse_proxy in the same process, and through Kaine's drop-in route with
// the whole pipeline (auth, scope, rate limit, cap reservation, metering,
// audit). It reports p50/p99 of sequential, interleaved calls and the
// throughput of 16 concurrent clients for each proxy.
//
//	go test -run XXX -bench DropInOverhead -benchtime 3000x ./caddymodule/
func BenchmarkDropInOverhead(b *testing.B) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "AI that books your meetings before you finish your coffee.",
		Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 14}})
	g, proxyURL, k := proxiesOf(b, fake)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	body := []byte(`{"model":"gpt-5.4","messages":[{"role":"user","content":"Write a 1-line product description"}],"max_completion_tokens":80}`)
	targets := []struct{ name, url, key string }{
		{"direct", fake.URL + "/v1/chat/completions", "bench-key"},
		{"reverse_proxy", proxyURL + "/v1/chat/completions", "bench-key"},
		{"kaine", g.base + "/openai/v1/chat/completions", k.Key},
	}
	send := func(url, key string) time.Duration { return timedPost(b, client, url, key, body) }
	for i := 0; i < 300; i++ { // warm connections and caches
		for _, t := range targets {
			send(t.url, t.key)
		}
	}
	times := make([][]time.Duration, len(targets))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, t := range targets {
			times[j] = append(times[j], send(t.url, t.key))
		}
	}
	b.StopTimer()
	p50, p99 := make([]float64, len(targets)), make([]float64, len(targets))
	for j, t := range targets {
		slices.Sort(times[j])
		p50[j], p99[j] = percentileMicros(times[j], 0.5), percentileMicros(times[j], 0.99)
		b.ReportMetric(p50[j], t.name+"-p50-µs")
		b.ReportMetric(p99[j], t.name+"-p99-µs")
	}
	b.ReportMetric(p50[2]-p50[1], "kaine-over-proxy-p50-µs")
	b.ReportMetric(p50[2]-p50[0], "kaine-over-direct-p50-µs")

	// Throughput: 16 clients for one second against each proxy.
	for _, t := range targets[1:] {
		var done atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(time.Second)
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					send(t.url, t.key)
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(done.Load()), t.name+"-req/s")
	}
}
