package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/openapitest"
	"github.com/keinetech/kaine/internal/redistest"
)

// These tests build the kaine binary once and drive it as an operator
// would: run, the users and keys subcommands, reload, stop.

var kaineBin string

// redisServer is the package's one redis-server, for the fleet tests (nil
// when redis-server is not installed, outside CI).
var redisServer *redistest.Server

// contract checks every /v1 request the tests send to a gateway, and its
// answer, against openapi.yaml.
var contract *openapitest.Checker

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kaine-bin")
	if err != nil {
		panic(err)
	}
	if redisServer, err = startRedis(filepath.Join(dir, "redis")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if contract, err = openapitest.New(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	http.DefaultTransport = contract.Transport(http.DefaultTransport)
	kaineBin = filepath.Join(dir, "kaine")
	// -race shares the package builds of `go test -race` and checks the
	// running gateway for races too.
	build := exec.Command("go", "build", "-race", "-o", kaineBin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building kaine:", err)
		os.Exit(1)
	}
	code := m.Run()
	if redisServer != nil {
		redisServer.Stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// startRedis starts the fleet tests' redis-server, unless it is not
// installed outside CI.
func startRedis(dir string) (*redistest.Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv("CI") == "" {
		return nil, nil
	}
	return redistest.Start(dir)
}

// instance is one running kaine process with its own ports and storage.
type instance struct {
	t         *testing.T
	dir       string
	config    string
	adminAddr string
	// consoleAddr is the operator console's, a free port of its own.
	consoleAddr string
	base        string
	httpPort    int
	cmd         *exec.Cmd
	log         *syncBuffer
	// providers is extra kaine-block config (providers pointing at fakes);
	// set it before writeConfig.
	providers string
	// globals is extra global-options config (server timeouts, debug) and
	// site extra site-block config (an access log); set them before
	// writeConfig.
	globals, site string
	// env is extra environment for the process (provider keys for
	// {env.*} placeholders).
	env []string
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func newInstance(t *testing.T) *instance {
	t.Helper()
	in := &instance{t: t, dir: t.TempDir(), httpPort: freePort(t), log: &syncBuffer{}}
	in.adminAddr = fmt.Sprintf("localhost:%d", freePort(t))
	in.consoleAddr = fmt.Sprintf("localhost:%d", freePort(t))
	in.base = fmt.Sprintf("http://127.0.0.1:%d", in.httpPort)
	in.config = filepath.Join(in.dir, "Caddyfile")
	in.writeConfig("https://docs.test/v0")
	return in
}

// writeConfig writes the instance's Caddyfile with the given docs URL, the
// setting the reload test changes.
func (in *instance) writeConfig(docs string) {
	in.t.Helper()
	cfg := fmt.Sprintf(`{
	admin %s
	persist_config off
	%s
	kaine {
		storage %s
		docs_url %s
		public_url %s
		console %s
		tier load {
			cap_usd 1
			rpm 100000000
		}
		%s
	}
}
http://127.0.0.1:%d {
	%s
	kaine
}
`, in.adminAddr, in.globals, filepath.Join(in.dir, "data", "kaine.db"), docs, in.base, in.consoleAddr, in.providers, in.httpPort, in.site)
	if err := os.WriteFile(in.config, []byte(cfg), 0o600); err != nil {
		in.t.Fatal(err)
	}
}

func (in *instance) environ() []string {
	return append(append(os.Environ(), "XDG_DATA_HOME="+in.dir, "XDG_CONFIG_HOME="+in.dir, "HOME="+in.dir), in.env...)
}

// start runs `kaine run` and waits until /v1/ping answers.
func (in *instance) start() {
	in.t.Helper()
	in.cmd = exec.Command(kaineBin, "run", "--config", in.config, "--adapter", "caddyfile")
	in.cmd.Dir, in.cmd.Env = in.dir, in.environ()
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			in.cmd.Process.Kill()
			in.cmd.Wait()
		}
	})
	contract.Watch(in.t, in.base)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(in.base + "/v1/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	in.t.Fatalf("kaine did not answer within 30s; log:\n%s", in.log)
}

// stop runs `kaine stop` and waits for the process to exit.
func (in *instance) stop() {
	in.t.Helper()
	if out, err := in.kaine("stop", "--address", in.adminAddr); err != nil {
		in.t.Fatalf("kaine stop: %v\n%s", err, out)
	}
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		in.t.Fatal("kaine did not exit after stop")
	}
}

// kaine runs a subcommand and returns its combined output.
func (in *instance) kaine(args ...string) (string, error) {
	cmd := exec.Command(kaineBin, args...)
	cmd.Dir, cmd.Env = in.dir, in.environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// admin runs a users/keys subcommand against this instance and decodes its
// JSON output.
func (in *instance) admin(out any, args ...string) {
	in.t.Helper()
	text, err := in.kaine(append(args, "--address", in.adminAddr)...)
	if err != nil {
		in.t.Fatalf("kaine %s: %v\n%s", strings.Join(args, " "), err, text)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			in.t.Fatalf("kaine %s printed %q: %v", strings.Join(args, " "), text, err)
		}
	}
}

// newKey creates a user on the unlimited "load" tier and a key for it.
func (in *instance) newKey(username string, scopes string) string {
	in.t.Helper()
	in.admin(nil, "users", "add", "--username", username, "--email", username+"@example.com", "--tier", "load")
	var k struct {
		Key string `json:"key"`
	}
	in.admin(&k, "keys", "create", "--user", username, "--scopes", scopes, "--name", "test")
	if !strings.HasPrefix(k.Key, "kn_live_") {
		in.t.Fatalf("created key %q", k.Key)
	}
	return k.Key
}

func get(ctx context.Context, client *http.Client, url, key string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
