package caddymodule

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// BenchmarkLLMOverhead measures a whole POST /v1/llm over loopback HTTP
// against a local fake OpenAI, next to the same fake called directly, one
// request at a time, interleaved. The difference is the gateway's added
// latency: pipeline, routing, the upstream request it builds, the answer.
//
//	go test -run XXX -bench LLMOverhead -benchtime 5000x ./caddymodule/
func BenchmarkLLMOverhead(b *testing.B) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "AI that books your meetings before you finish your coffee.",
		Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 14}})
	g := startGateway(b, fmt.Sprintf(`tier developer {
			rpm 1000000000
		}
		provider openai {
			api_key bench-key
			base_url %s/v1
		}`, fake.URL))
	k := g.userWithKey("bench", "write")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

	direct := []byte(`{"model":"gpt-5.4","messages":[{"role":"user","content":"Write a 1-line product description"}],"max_completion_tokens":80}`)
	viaKaine := []byte(`{"prompt":"Write a 1-line product description","provider":"openai","max_tokens":80}`)
	send := func(url, auth string, body []byte) time.Duration { return timedPost(b, client, url, auth, body) }
	for i := 0; i < 200; i++ { // warm connections and caches
		send(fake.URL+"/v1/chat/completions", "bench-key", direct)
		send(g.base+"/v1/llm", k.Key, viaKaine)
	}
	directTimes := make([]time.Duration, 0, b.N)
	gatewayTimes := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		directTimes = append(directTimes, send(fake.URL+"/v1/chat/completions", "bench-key", direct))
		gatewayTimes = append(gatewayTimes, send(g.base+"/v1/llm", k.Key, viaKaine))
	}
	b.StopTimer()
	slices.Sort(directTimes)
	slices.Sort(gatewayTimes)
	pct := percentileMicros
	b.ReportMetric(pct(directTimes, 0.5), "direct-p50-µs")
	b.ReportMetric(pct(directTimes, 0.99), "direct-p99-µs")
	b.ReportMetric(pct(gatewayTimes, 0.5), "kaine-p50-µs")
	b.ReportMetric(pct(gatewayTimes, 0.99), "kaine-p99-µs")
	b.ReportMetric(pct(gatewayTimes, 0.5)-pct(directTimes, 0.5), "added-p50-µs")
	b.ReportMetric(pct(gatewayTimes, 0.99)-pct(directTimes, 0.99), "added-p99-µs")
}

// timedPost sends one JSON POST with a Bearer key and returns how long the
// whole answer took; anything but a 200 stops the benchmark.
func timedPost(b *testing.B, client *http.Client, url, key string, body []byte) time.Duration {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if resp.StatusCode != 200 {
		b.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	return elapsed
}

// percentileMicros is the p-th quantile of sorted durations, in µs.
func percentileMicros(sorted []time.Duration, p float64) float64 {
	return float64(sorted[int(float64(len(sorted)-1)*p)].Microseconds())
}
