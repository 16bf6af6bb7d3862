package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// holdHeader asks the fake to send a stream's first event and then hold
// the stream open until the client leaves: how the memory of many open
// streams is measured.
const holdHeader = "X-Loadtest-Hold"

// heldWords keys a held target's one stream body: only its first event
// is read, so its length does not matter.
const heldWords = 0

// heldStreamsTimeout bounds the opening of all the held streams.
const heldStreamsTimeout = 60 * time.Second

// heldStreamsResult is the gateway's memory with n streams open through a
// scenario, against its memory just before. RSS depends on what earlier
// steps left in the heap, so the cost per stream is measured in the Go
// heap and stacks in use after a collection, which does not.
type heldStreamsResult struct {
	Scenario    string `json:"scenario"`
	Streams     int    `json:"streams"`
	Before      memory `json:"before"`
	Open        memory `json:"open"`
	InUseBefore int64  `json:"go_inuse_bytes_before"`
	InUseOpen   int64  `json:"go_inuse_bytes_open"`
	PerStream   int64  `json:"go_inuse_bytes_per_stream"`
}

// holdStreams opens n streams through t at once, each held by the fake
// after its first event, reads the gateway's memory while all are open,
// then closes them.
func holdStreams(ctx context.Context, t *target, gw *gateway, n, words int) (heldStreamsResult, error) {
	res := heldStreamsResult{Scenario: t.name, Streams: n}
	var err error
	if res.Before, err = readMemory(gw.pid()); err != nil {
		return res, err
	}
	if res.InUseBefore, err = gw.goInUse(ctx); err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, heldStreamsTimeout)
	defer cancel()
	held := &target{name: t.name, url: t.url, header: t.header.Clone(), streamBodies: map[int][]byte{heldWords: t.streamBodies[words]},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1}}}
	held.header.Set(holdHeader, "1")
	var opened, failed sync.WaitGroup
	errs := make(chan error, n)
	release := make(chan struct{})
	opened.Add(n)
	failed.Add(n)
	for range n {
		go func() {
			defer failed.Done()
			err := held.holdOne(ctx, &opened, release)
			if err != nil {
				errs <- err
			}
		}()
	}
	allOpen := make(chan struct{})
	go func() { opened.Wait(); close(allOpen) }()
	select {
	case <-allOpen:
	case err := <-errs:
		cancel()
		failed.Wait()
		return res, fmt.Errorf("opening %d held streams through %s: %w", n, t.name, err)
	case <-ctx.Done():
		failed.Wait()
		return res, fmt.Errorf("opening %d held streams through %s: %w", n, t.name, ctx.Err())
	}
	time.Sleep(settle)
	res.Open, err = readMemory(gw.pid())
	if err == nil {
		res.InUseOpen, err = gw.goInUse(ctx)
	}
	close(release)
	failed.Wait()
	held.client.CloseIdleConnections()
	res.PerStream = (res.InUseOpen - res.InUseBefore) / int64(n)
	return res, err
}

// goInUse is the gateway's Go heap and stacks in use after a collection,
// from the memory statistics of Caddy's admin /debug/pprof/heap.
func (g *gateway) goInUse(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+g.adminAddr+"/debug/pprof/heap?gc=1&debug=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("reading the gateway's heap statistics: %w", err)
	}
	defer resp.Body.Close()
	var heap, stack int64
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for lines.Scan() {
		// "# HeapInuse = 36184064", "# Stack = 3473408 / 3473408"
		fmt.Sscanf(lines.Text(), "# HeapInuse = %d", &heap)
		fmt.Sscanf(lines.Text(), "# Stack = %d", &stack)
	}
	if heap == 0 {
		return 0, fmt.Errorf("the gateway's heap statistics have no HeapInuse line")
	}
	return heap + stack, lines.Err()
}

// holdOne opens one stream, reads its first event, reports it open, and
// keeps it open until release.
func (t *target) holdOne(ctx context.Context, opened *sync.WaitGroup, release <-chan struct{}) error {
	reported := false
	defer func() {
		if !reported {
			opened.Done()
		}
	}()
	resp, err := t.post(ctx, t.streamBodies[heldWords])
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(resp)
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("reading the first event: %w", err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break // the blank line ending the first event
		}
	}
	reported = true
	opened.Done()
	select {
	case <-release:
	case <-ctx.Done():
	}
	return nil
}

// reportHeldStreams holds n streams through reverse_proxy, then through
// the drop-in route, and prints the memory each open stream costs.
func reportHeldStreams(ctx context.Context, targets []*target, gw *gateway, n, words int) error {
	fmt.Printf("\n%d streams held open at once (Go heap and stacks in use after a GC; RSS for reference)\n%15s %14s %14s %12s %12s\n",
		n, "scenario", "in use before", "in use open", "per stream", "RSS open")
	for _, t := range targets {
		if t.name != baselineScenario && t.name != dropInScenario {
			continue
		}
		res, err := holdStreams(ctx, t, gw, n, words)
		if err != nil {
			return err
		}
		fmt.Printf("%15s %10.1f MiB %10.1f MiB %8.1f KiB %8.1f MiB\n", res.Scenario, float64(res.InUseBefore)/(1<<20),
			float64(res.InUseOpen)/(1<<20), float64(res.PerStream)/(1<<10), float64(res.Open.RSS)/(1<<20))
	}
	return nil
}
