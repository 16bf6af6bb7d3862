package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func testTarget(url string) *target {
	return &target{name: "test", url: url, header: http.Header{}, body: []byte(`{}`),
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

func TestOpenLoopSendsOnScheduleWhateverTheAnswersTake(t *testing.T) {
	const delay = 50 * time.Millisecond
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
	}))
	defer server.Close()

	// 100 req/s for 200 ms: 20 calls, 10 ms apart. A closed loop would
	// need 20 × 50 ms; sent on schedule they all end by about 250 ms.
	start := time.Now()
	res := openLoop(context.Background(), testTarget(server.URL), 100, 200*time.Millisecond)
	elapsed := time.Since(start)
	if res.Sent != 20 || res.Errors != 0 {
		t.Fatalf("sent %d with %d errors (%s), want 20 and 0", res.Sent, res.Errors, res.FirstError)
	}
	if elapsed < 190*time.Millisecond+delay || elapsed > 700*time.Millisecond {
		t.Errorf("took %s, want about 240 ms: the last call leaves at 190 ms and takes 50", elapsed)
	}
	if res.P50 < delay || res.P99 < res.P50 {
		t.Errorf("p50 %s, p99 %s: want p50 ≥ %s ≤ p99", res.P50, res.P99, delay)
	}
}

func TestOpenLoopCountsFailedAnswersAsErrors(t *testing.T) {
	var calls atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 0 {
			http.Error(w, `{"error":"limited"}`, http.StatusTooManyRequests)
		}
	}))
	defer server.Close()

	res := openLoop(context.Background(), testTarget(server.URL), 1000, 50*time.Millisecond)
	if res.Sent != 50 || res.Errors != 25 {
		t.Errorf("sent %d with %d errors, want 50 with 25", res.Sent, res.Errors)
	}
	if want := `status 429: {"error":"limited"}`; res.FirstError != want {
		t.Errorf("first error %q, want %q", res.FirstError, want)
	}
}

func TestClosedLoopCountsEveryAnswer(t *testing.T) {
	var calls atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer server.Close()

	res := closedLoop(context.Background(), testTarget(server.URL), 4, 50*time.Millisecond)
	if res.Errors != 0 || res.Succeeded == 0 || int64(res.Succeeded) != calls.Load() {
		t.Errorf("succeeded %d, errors %d, server saw %d", res.Succeeded, res.Errors, calls.Load())
	}
	// The step lasts its duration, so the rate is at most the answers over it.
	if res.Elapsed < 50*time.Millisecond || res.PerSecond <= 0 || res.PerSecond > float64(res.Succeeded)/0.05 {
		t.Errorf("%v req/s over %v for %d answers", res.PerSecond, res.Elapsed, res.Succeeded)
	}
}

func TestRatesFlag(t *testing.T) {
	var r positiveInts
	if err := r.Set("500, 2000"); err != nil || r.String() != "500,2000" {
		t.Errorf("Set(500, 2000) = %v, %v", r, err)
	}
	for _, bad := range []string{"", "0", "fast", "500,"} {
		if err := r.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
