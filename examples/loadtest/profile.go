package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// profileSeconds is how long each scenario's CPU profile records.
const profileSeconds = 5

// streamWorkers is how many streams run at once while a stream profile
// records: one, as the streams table measures them, so the profile shows
// where a stream's own CPU goes rather than the machine's contention.
const streamWorkers = 1

// profileGateway records the gateway's CPU profile (from Caddy's admin
// /debug/pprof) while each of its scenarios runs closed-loop at full load,
// then while it serves streams of streamWords words one after another,
// two files per scenario in dir, for `go tool pprof`.
func profileGateway(ctx context.Context, targets []*target, workers, streamWords int, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("profile dir: %w", err)
	}
	for _, t := range targets {
		if t.gw == nil {
			continue
		}
		calls := func() (int, int, string) {
			r := closedLoop(ctx, t, workers, profileSeconds*time.Second)
			return r.Succeeded + r.Errors, r.Errors, r.FirstError
		}
		streams := func() (int, int, string) {
			return streamLoad(ctx, t, streamWords, streamWorkers, profileSeconds*time.Second)
		}
		for _, p := range []struct {
			kind string
			load func() (calls, errors int, first string)
		}{{"", calls}, {".stream", streams}} {
			path := filepath.Join(dir, t.name+p.kind+".cpu.pprof")
			n, err := profileDuring(ctx, t, path, p.load)
			if err != nil {
				return err
			}
			// The count puts profiles of different scenarios on one scale.
			fmt.Printf("profile of %s%s under load, %d calls: go tool pprof -top %s\n", t.name, p.kind, n, path)
		}
	}
	return nil
}

// profileDuring records t's gateway's CPU into path while load runs, and
// returns how many calls the load made.
func profileDuring(ctx context.Context, t *target, path string, load func() (calls, errors int, first string)) (int, error) {
	var wg sync.WaitGroup
	var profileErr error
	wg.Go(func() { profileErr = t.gw.cpuProfile(ctx, path) })
	calls, errs, first := load()
	wg.Wait()
	switch {
	case profileErr != nil:
		return calls, fmt.Errorf("profiling %s: %w", t.name, profileErr)
	case errs > 0: // a profile of a failing gateway is not one under load
		return calls, fmt.Errorf("profiling %s: %d errors under load, the first: %s", t.name, errs, first)
	}
	return calls, nil
}

// streamLoad makes streamed calls from workers at once for d, and returns
// how many it made, how many failed and the first failure.
func streamLoad(ctx context.Context, t *target, words, workers int, d time.Duration) (int, int, string) {
	var mu sync.Mutex
	var made, failed int
	var first string
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				_, err := t.stream(ctx, words)
				mu.Lock()
				made++
				if err != nil {
					if failed++; first == "" {
						first = err.Error()
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return made, failed, first
}

// cpuProfile records profileSeconds of the gateway's CPU into path.
func (g *gateway) cpuProfile(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, (profileSeconds+adminTimeout/time.Second)*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", g.adminAddr, profileSeconds)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin answered %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
