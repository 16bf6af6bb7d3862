package caddymodule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/keinetech/kaine/internal/openapitest"
)

// These tests run the real Caddy config in this process, one at a time:
// Caddy holds one global config, and each load replaces it as a reload does.

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kaine-caddy-home")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_DATA_HOME", dir)
	os.Setenv("XDG_CONFIG_HOME", dir)
	if contract, err = openapitest.New(); err != nil {
		panic(err)
	}
	// Every client of these tests (the SDKs' too) goes through it.
	http.DefaultTransport = contract.Transport(http.DefaultTransport)
	code := m.Run()
	stopBrowser()
	caddy.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// contract checks every /v1 request the tests send to a gateway, and its
// answer, against openapi.yaml.
var contract *openapitest.Checker

// gateway is a running Kaine config on loopback ports of its own.
type gateway struct {
	t       testing.TB
	base    string // http://127.0.0.1:PORT
	admin   string // http://localhost:PORT
	storage string
	client  *http.Client
	config  string // the Caddyfile last loaded
}

const docsURL = "https://docs.test/kaine"

// freePort asks the kernel for a loopback port nobody is using.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startGateway loads a config with the given extra kaine options and the
// kaine directive on a fresh port, storage in a temp dir.
func startGateway(t testing.TB, kaineOptions string) *gateway {
	t.Helper()
	return startGatewayWithGlobal(t, "", kaineOptions)
}

// startGatewayWithGlobal is startGateway with extra global options (a log).
func startGatewayWithGlobal(t testing.TB, globalOptions, kaineOptions string) *gateway {
	t.Helper()
	return startGatewayWithSites(t, globalOptions, kaineOptions, "")
}

// startGatewayWithSites is startGatewayWithGlobal with more sites after
// Kaine's (a plain reverse_proxy to compare with).
func startGatewayWithSites(t testing.TB, globalOptions, kaineOptions, sites string) *gateway {
	t.Helper()
	g := &gateway{t: t, storage: filepath.Join(t.TempDir(), "kaine.db"), client: &http.Client{Transport: redialing{http.DefaultTransport}}}
	httpPort, adminPort := freePort(t), freePort(t)
	g.base = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	contract.Watch(t, g.base)
	g.admin = fmt.Sprintf("http://localhost:%d", adminPort)
	g.load(fmt.Sprintf(`{
	admin localhost:%d
	persist_config off
	%s
	kaine {
		storage %s
		docs_url %s
		%s
	}
}
http://127.0.0.1:%d {
	kaine
	respond "next handler"
}
%s`, adminPort, globalOptions, g.storage, docsURL, kaineOptions, httpPort, sites))
	t.Cleanup(func() { caddy.Stop() })
	return g
}

// load adapts a Caddyfile and loads it, as `kaine run` or `kaine reload` would.
func (g *gateway) load(caddyfile string) {
	g.t.Helper()
	g.config = caddyfile
	cfg, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		g.t.Fatalf("adapting: %v", err)
	}
	for _, w := range warnings {
		g.t.Logf("adapt warning: %s", w.String())
	}
	if err := caddy.Load(cfg, true); err != nil {
		g.t.Fatalf("loading config: %v", err)
	}
	// A load restarts the admin endpoint, and a port may now be another
	// server's than when a kept-alive connection to it was made: a request
	// must not go out on one (a POST is not retried when it is reset).
	http.DefaultClient.CloseIdleConnections()
}

// redialing sends a request again once when its connection was refused or
// reset before it was sent, or, for a GET, closed before its answer: on
// Linux the old config's SO_REUSEPORT socket resets what waits in its
// accept queue when a reload closes it (see docs/operating.md, "Reload
// and operate"), and the SDKs resend such errors too.
type redialing struct{ next http.RoundTripper }

func (r redialing) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	var op *net.OpError
	dialFailed := errors.As(err, &op) && op.Op == "dial"
	cutGET := req.Method == http.MethodGet && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET))
	if err == nil || !dialFailed && !cutGET {
		return resp, err
	}
	if req.Body != nil {
		if req.GetBody == nil {
			return resp, err
		}
		if req.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return r.next.RoundTrip(req)
}

// restart stops the gateway, closing its storage, and starts it again on
// the same config: what a process restart does to everything in memory.
func (g *gateway) restart() {
	g.t.Helper()
	if err := caddy.Stop(); err != nil {
		g.t.Fatal(err)
	}
	g.load(g.config)
}

// do sends a request and returns the status and body.
func (g *gateway) do(method, url, key string, body any) (int, http.Header, []byte) {
	g.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			g.t.Fatal(err)
		}
	}
	return g.send(method, url, key, raw)
}

// doRaw sends a body as is, for malformed ones.
func (g *gateway) doRaw(method, path, key, body string) (int, http.Header, []byte) {
	g.t.Helper()
	return g.send(method, g.base+path, key, []byte(body))
}

// send makes one request with an optional Bearer key and reads the answer.
func (g *gateway) send(method, url, key string, body []byte) (int, http.Header, []byte) {
	g.t.Helper()
	headers := map[string]string{}
	if key != "" {
		headers["Authorization"] = "Bearer " + key
	}
	return g.sendWithHeaders(method, url, headers, body)
}

// sendWithHeaders makes one request with the headers given and reads the
// answer.
func (g *gateway) sendWithHeaders(method, url string, headers map[string]string, body []byte) (int, http.Header, []byte) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	if strings.HasPrefix(url, g.admin) {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// adminJSON calls an admin route, checks the status and decodes the answer.
func (g *gateway) adminJSON(method, path string, body any, wantStatus int, out any) {
	g.t.Helper()
	status, _, data := g.do(method, g.admin+path, "", body)
	if status != wantStatus {
		g.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, wantStatus, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			g.t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
}

type newKey struct {
	Key    string   `json:"key"`
	KeyID  uint64   `json:"key_id"`
	UserID uint64   `json:"user_id"`
	Scopes []string `json:"scopes"`
	Prefix string   `json:"prefix"`
}

// userWithKey creates a user and one key with the given scopes.
func (g *gateway) userWithKey(username string, scopes ...string) newKey {
	g.t.Helper()
	g.adminJSON("POST", "/kaine/users", map[string]string{"username": username, "email": username + "@example.com", "tier": "developer"}, 201, nil)
	var k newKey
	g.adminJSON("POST", "/kaine/keys", map[string]any{"username": username, "scopes": scopes}, 201, &k)
	return k
}

// activeApp returns the kaine app of the running config.
func activeApp(t testing.TB) *App {
	t.Helper()
	mod, err := caddy.ActiveContext().AppIfConfigured("kaine")
	if err != nil {
		t.Fatal(err)
	}
	return mod.(*App)
}
