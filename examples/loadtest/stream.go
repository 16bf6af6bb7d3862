package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// streamResult is one scenario's streaming step: sequential streamed
// calls, timed to the first SSE event and to the end of the stream.
type streamResult struct {
	Calls int `json:"calls"`
	errorCount
	FirstEventP50 time.Duration `json:"first_event_p50_ns"`
	FirstEventP99 time.Duration `json:"first_event_p99_ns"`
	TotalP50      time.Duration `json:"total_p50_ns"`
	TotalP99      time.Duration `json:"total_p99_ns"`
	// GatewayCPU is the CPU seconds the gateway spent on the step's
	// calls (0 for direct).
	GatewayCPU float64 `json:"gateway_cpu_s"`
}

// streamTimes is one streamed call's timings, from sending the request.
type streamTimes struct {
	firstEvent time.Duration // the first complete SSE event
	total      time.Duration // the end of the stream
}

// streamLoop makes up to calls streamed calls one after the other, each
// for an answer of words words, for d at most.
func streamLoop(ctx context.Context, t *target, words, calls int, d time.Duration) streamResult {
	deadline := time.Now().Add(d)
	var res streamResult
	var firsts, totals []time.Duration
	for ; res.Calls < calls && time.Now().Before(deadline) && ctx.Err() == nil; res.Calls++ {
		times, err := t.stream(ctx, words)
		if err != nil {
			res.add(err)
			continue
		}
		firsts = append(firsts, times.firstEvent)
		totals = append(totals, times.total)
	}
	slices.Sort(firsts)
	slices.Sort(totals)
	res.FirstEventP50, res.FirstEventP99 = percentile(firsts, 50), percentile(firsts, 99)
	res.TotalP50, res.TotalP99 = percentile(totals, 50), percentile(totals, 99)
	return res
}

// stream makes the scenario's streamed call for an answer of words words
// and reads it to the end. A stream without its closing event (an OpenAI
// [DONE], an Anthropic message_stop, a Kaine done) is an error.
func (t *target) stream(ctx context.Context, words int) (streamTimes, error) {
	var times streamTimes
	start := time.Now()
	resp, err := t.post(ctx, t.streamBodies[words])
	if err != nil {
		return times, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return times, statusError(resp)
	}
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	sawEvent, complete := false, false
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the rest of a long data line
		}
		// A blank line ends an SSE event.
		if err == nil && !sawEvent && len(bytes.TrimSpace(line)) == 0 {
			sawEvent, times.firstEvent = true, time.Since(start)
		}
		if bytes.HasPrefix(line, t.streamEnd) {
			complete = true
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return times, fmt.Errorf("reading the stream: %w", err)
		}
	}
	times.total = time.Since(start)
	if !sawEvent || !complete {
		return times, fmt.Errorf("stream ended without %q", t.streamEnd)
	}
	return times, nil
}
