package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// drainTimeout is how long a step waits, after its last call was sent, for
// the calls still open; those it cuts count as errors.
const drainTimeout = 5 * time.Second

// errorCount tallies failed calls (transport errors and answers other than
// 200) and keeps the first reason, for the report.
type errorCount struct {
	Errors     int    `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
}

func (e *errorCount) add(err error) {
	e.Errors++
	if e.FirstError == "" {
		e.FirstError = err.Error()
	}
}

func (e *errorCount) merge(other errorCount) {
	e.Errors += other.Errors
	if e.FirstError == "" {
		e.FirstError = other.FirstError
	}
}

// openLoopResult is one scenario's latency at one fixed rate. Percentiles
// are over the successful calls.
type openLoopResult struct {
	Rate int `json:"rate"`
	Sent int `json:"sent"`
	errorCount
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	// SendLag is how late the generator sent calls against the schedule;
	// the latencies include it, so it should stay far below them.
	SendLagP50 time.Duration `json:"send_lag_p50_ns"`
	SendLagP99 time.Duration `json:"send_lag_p99_ns"`
	GatewayCPU float64       `json:"gateway_cpu_s,omitempty"`
}

// closedLoopResult is one scenario's maximum throughput.
type closedLoopResult struct {
	Workers   int `json:"workers"`
	Succeeded int `json:"succeeded"`
	errorCount
	Elapsed    time.Duration `json:"elapsed_ns"`
	PerSecond  float64       `json:"per_second"`
	GatewayCPU float64       `json:"gateway_cpu_s,omitempty"`
}

// openLoop sends rate calls per second for d, each at its scheduled time
// whether or not earlier ones have answered, and measures each latency from
// that scheduled time: a stalled server shows as latency, not as a slower
// send rate (no coordinated omission).
func openLoop(ctx context.Context, t *target, rate int, d time.Duration) openLoopResult {
	interval := time.Second / time.Duration(rate)
	scheduled := int((d + interval - 1) / interval) // at 0, interval, … before d
	ctx, cancel := context.WithTimeout(ctx, d+drainTimeout)
	defer cancel()
	latencies := make([]time.Duration, scheduled)
	failures := make([]error, scheduled)
	lags := make([]time.Duration, 0, scheduled)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range scheduled {
		due := start.Add(time.Duration(i) * interval)
		sleepUntil(due)
		if ctx.Err() != nil {
			break
		}
		lags = append(lags, time.Since(due))
		wg.Add(1)
		go func() {
			defer wg.Done()
			failures[i] = t.send(ctx)
			latencies[i] = time.Since(due)
		}()
	}
	wg.Wait()

	res := openLoopResult{Rate: rate, Sent: len(lags)}
	var ok []time.Duration
	for i := range res.Sent {
		if failures[i] != nil {
			res.add(failures[i])
		} else {
			ok = append(ok, latencies[i])
		}
	}
	slices.Sort(ok)
	res.P50, res.P90, res.P99 = percentile(ok, 50), percentile(ok, 90), percentile(ok, 99)
	slices.Sort(lags)
	res.SendLagP50, res.SendLagP99 = percentile(lags, 50), percentile(lags, 99)
	return res
}

// closedLoop runs workers clients, each sending its next call as soon as
// the last one answered, for d.
func closedLoop(ctx context.Context, t *target, workers int, d time.Duration) closedLoopResult {
	ctx, cancel := context.WithTimeout(ctx, d+drainTimeout)
	defer cancel()
	type tally struct {
		succeeded int
		errs      errorCount
	}
	tallies := make([]tally, workers)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range tallies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := t.send(ctx); err != nil {
					tallies[w].errs.add(err)
				} else {
					tallies[w].succeeded++
				}
			}
		}()
	}
	wg.Wait()

	res := closedLoopResult{Workers: workers, Elapsed: time.Since(start)}
	for _, tl := range tallies {
		res.Succeeded += tl.succeeded
		res.merge(tl.errs)
	}
	res.PerSecond = float64(res.Succeeded) / res.Elapsed.Seconds()
	return res
}

// send makes the scenario's call and reads the whole answer. An answer
// other than 200 is an error quoting the start of its body.
func (t *target) send(ctx context.Context) error {
	resp, err := t.post(ctx, t.body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(resp)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	return nil
}

func (t *target) post(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", t.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = t.header.Clone() // http.Client may add to a request's headers (cookies, auth)
	return t.client.Do(req)
}

// statusError describes an answer other than 200 with the start of its body.
func statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(body))
}
