package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Bounds on the gateway's lifecycle, so no step can hang the run.
const (
	buildTimeout = 10 * time.Minute // a cold build of Caddy takes ~5 minutes on 2 cores
	startTimeout = 30 * time.Second
	adminTimeout = 10 * time.Second
	stopTimeout  = 15 * time.Second
)

// upstreamKey is the provider key the gateway sends to the fake, and the key
// the direct and reverse_proxy scenarios send themselves.
const upstreamKey = "load-test-key"

// caddyfile is the gateway's config: Kaine with an unlimited tier and both
// providers pointing at the fake, and a plain reverse_proxy site to the
// fake as the baseline. Arguments: admin address, storage file, fake
// address, Kaine port, reverse_proxy port, more kaine settings (a fleet).
const caddyfile = `{
	admin %[1]s
	persist_config off
	kaine {
		storage %[2]s
		tier load {
			cap_usd 1000000
			rpm 1000000000
		}
		provider openai {
			api_key ` + upstreamKey + `
			base_url http://%[3]s/v1
		}
		provider anthropic {
			api_key ` + upstreamKey + `
			base_url http://%[3]s
		}
		%[6]s
	}
}
http://127.0.0.1:%[4]d {
	kaine
}
http://127.0.0.1:%[5]d {
	reverse_proxy %[3]s
}
`

// gateway is a running kaine process.
type gateway struct {
	cmd       *exec.Cmd
	exited    chan struct{} // closed when cmd.Wait returns
	adminAddr string        // host:port of Caddy's admin API
	kaineURL  string        // base URL of the Kaine site
	proxyURL  string        // base URL of the reverse_proxy site
	logPath   string
	admin     *http.Client
}

// buildGateway builds ./cmd/kaine into dir and returns the binary's path.
func buildGateway(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	binary := filepath.Join(dir, "kaine")
	started := time.Now()
	fmt.Println("building kaine…")
	// The package path rather than ./cmd/kaine: it works from any directory of the module.
	out, err := exec.CommandContext(ctx, "go", "build", "-o", binary, "github.com/keinetech/kaine/cmd/kaine").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building kaine: %w\n%s", err, out)
	}
	fmt.Printf("built in %s\n", time.Since(started).Round(100*time.Millisecond))
	return binary, nil
}

// startGateway writes the Caddyfile into dir, with extra in its kaine
// block, runs binary with it (under taskset on CPU 0 when pin is set) and
// waits until /v1/ping answers.
func startGateway(ctx context.Context, binary, dir, fakeAddr string, pin bool, extra string) (*gateway, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	g := &gateway{
		exited:    make(chan struct{}),
		adminAddr: fmt.Sprintf("127.0.0.1:%d", ports[0]),
		kaineURL:  fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
		proxyURL:  fmt.Sprintf("http://127.0.0.1:%d", ports[2]),
		logPath:   filepath.Join(dir, "kaine.log"),
		admin:     &http.Client{Timeout: adminTimeout},
	}
	config := filepath.Join(dir, "Caddyfile")
	text := fmt.Sprintf(caddyfile, g.adminAddr, filepath.Join(dir, "kaine.db"), fakeAddr, ports[1], ports[2], extra)
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("writing the Caddyfile: %w", err)
	}
	log, err := os.Create(g.logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the gateway log: %w", err)
	}
	defer log.Close() // the child has its own descriptor

	args := []string{binary, "run", "--config", config, "--adapter", "caddyfile"}
	if pin {
		args = append([]string{"taskset", "-c", gatewayCPU}, args...)
	}
	g.cmd = exec.Command(args[0], args[1:]...)
	g.cmd.Dir, g.cmd.Stdout, g.cmd.Stderr = dir, log, log
	// Keep Caddy's own files (autosave, certificates) inside the temp dir.
	g.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir, "HOME="+dir)
	if err := g.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kaine: %w", err)
	}
	go func() {
		g.cmd.Wait()
		close(g.exited)
	}()
	if err := g.waitReady(ctx); err != nil {
		g.kill()
		return nil, fmt.Errorf("%w\ngateway log (last lines):\n%s", err, g.logTail())
	}
	return g, nil
}

// waitReady polls /v1/ping until it answers 200.
func (g *gateway) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", g.kaineURL+"/v1/ping", nil)
		if err != nil {
			return fmt.Errorf("ping request: %w", err)
		}
		if resp, err := g.admin.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-g.exited:
			return errors.New("kaine exited before answering /v1/ping")
		case <-ctx.Done():
			return fmt.Errorf("kaine did not answer /v1/ping within %s", startTimeout)
		case <-tick.C:
		}
	}
}

// createKey creates the "load" user on the unlimited tier and returns a
// read-write key for it.
func (g *gateway) createKey(ctx context.Context) (string, error) {
	user := `{"username":"load","email":"load@example.com","tier":"load"}`
	if err := g.adminPost(ctx, "/kaine/users", user, nil); err != nil {
		return "", fmt.Errorf("creating the load user: %w", err)
	}
	var created struct {
		Key string `json:"key"`
	}
	if err := g.adminPost(ctx, "/kaine/keys", `{"username":"load","scopes":["read","write"]}`, &created); err != nil {
		return "", fmt.Errorf("creating the load key: %w", err)
	}
	if created.Key == "" {
		return "", errors.New("creating the load key: the answer has no key")
	}
	return created.Key, nil
}

// adminPost posts body to the admin API and decodes a 2xx answer into out.
// The URL's host is the configured admin address, which is what Caddy
// checks the Host header against.
func (g *gateway) adminPost(ctx context.Context, path, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+g.adminAddr+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.admin.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(answer))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer, out)
}

// pid is the gateway's process ID (taskset execs kaine in its own process).
func (g *gateway) pid() int { return g.cmd.Process.Pid }

// stop asks the gateway to stop through the admin API, so it flushes its
// bookkeeping, and kills it if it has not exited after stopTimeout.
func (g *gateway) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	stopErr := g.adminPost(ctx, "/stop", "", nil)
	select {
	case <-g.exited:
		return nil
	case <-time.After(stopTimeout):
		g.kill()
		return fmt.Errorf("kaine did not exit within %s of POST /stop (%v); killed", stopTimeout, stopErr)
	}
}

// kill ends the process and waits for it.
func (g *gateway) kill() {
	g.cmd.Process.Kill()
	<-g.exited
}

// logTail returns the last lines of the gateway's log, for error messages.
func (g *gateway) logTail() string {
	const lines = 30
	data, err := os.ReadFile(g.logPath)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", g.logPath, err)
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// freePorts returns n distinct loopback ports that were free a moment ago;
// holding all listeners until the end keeps them distinct.
func freePorts(n int) ([]int, error) {
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
