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

// profileGateway records the gateway's CPU profile (from Caddy's admin
// /debug/pprof) while each of its scenarios runs closed-loop at full load,
// one file per scenario in dir, for `go tool pprof`.
func profileGateway(ctx context.Context, targets []*target, workers int, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("profile dir: %w", err)
	}
	for _, t := range targets {
		if t.gw == nil {
			continue
		}
		path := filepath.Join(dir, t.name+".cpu.pprof")
		var wg sync.WaitGroup
		var profileErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			profileErr = t.gw.cpuProfile(ctx, path)
		}()
		load := closedLoop(ctx, t, workers, profileSeconds*time.Second)
		wg.Wait()
		switch {
		case profileErr != nil:
			return fmt.Errorf("profiling %s: %w", t.name, profileErr)
		case load.Errors > 0: // a profile of a failing gateway is not one under load
			return fmt.Errorf("profiling %s: %d errors under load, the first: %s", t.name, load.Errors, load.FirstError)
		}
		fmt.Printf("profile of %s under load: go tool pprof -top %s\n", t.name, path)
	}
	return nil
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
