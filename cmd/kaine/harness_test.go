package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/openapitest"
	"github.com/keinetech/kaine/money"
)

// Helpers the reliability tests share: the admin API spoken directly (a
// CLI run of the race-built binary costs about a second), answers kept
// whole for the secrets scan, and the contract's error shape.

// testDocs is the docs URL every test config sets; it is in every error.
const testDocs = "https://docs.test/v0"

// adminJSON sends a JSON request to the instance's admin API and decodes
// the answer into out; it fails the test unless the status is want.
func (in *instance) adminJSON(method, path string, body, out any, want int) {
	in.t.Helper()
	var payload io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			in.t.Fatal(err)
		}
		payload = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://"+in.adminAddr+path, payload)
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		in.t.Fatalf("admin %s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			in.t.Fatalf("admin %s %s answered %q: %v", method, path, data, err)
		}
	}
}

// apiKey creates a user on the "load" tier and a key for it through the
// admin API, and returns the key.
func (in *instance) apiKey(username, scopes string) string {
	in.t.Helper()
	in.adminJSON("POST", "/kaine/users", map[string]string{"username": username, "email": username + "@example.com", "tier": "load"}, nil, http.StatusCreated)
	key, _ := in.anotherKey(username, scopes)
	return key
}

// anotherKey creates a key for an existing user and returns it with its ID.
func (in *instance) anotherKey(username, scopes string) (string, uint64) {
	in.t.Helper()
	var k struct {
		Key string `json:"key"`
		ID  uint64 `json:"key_id"`
	}
	in.adminJSON("POST", "/kaine/keys", map[string]any{"username": username, "scopes": strings.Split(scopes, ","), "name": "test"}, &k, http.StatusCreated)
	if !strings.HasPrefix(k.Key, "kn_live_") {
		in.t.Fatalf("created key %q", k.Key)
	}
	return k.Key, k.ID
}

// load writes the instance's config and swaps it in through the admin
// API's /load, as `kaine reload` does, returning once it serves.
func (in *instance) load() {
	in.t.Helper()
	in.writeConfig(testDocs)
	cfg, err := os.ReadFile(in.config)
	if err != nil {
		in.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", "http://"+in.adminAddr+"/load", bytes.NewReader(cfg))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("loading the config: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		in.t.Fatalf("loading the config: %d %s", resp.StatusCode, body)
	}
}

// pingOK fails the test unless the gateway answers GET /v1/ping.
func (in *instance) pingOK(t *testing.T, after string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(in.base + "/v1/ping")
	if err != nil {
		t.Fatalf("after %s, /v1/ping failed: %v", after, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok":true`) {
		t.Fatalf("after %s, /v1/ping answered %d %s", after, resp.StatusCode, body)
	}
}

// answer is one HTTP answer, read whole.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	trailer http.Header
	elapsed time.Duration
}

// wire is every answer a test received, as text, for the secrets scan.
type wire struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wire) keep(a answer) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(&w.buf, "%d\n", a.status)
	a.header.Write(&w.buf)
	w.buf.Write(a.body)
	a.trailer.Write(&w.buf)
	w.buf.WriteByte('\n')
}

func (w *wire) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// caller sends API requests with one client and keeps what came back.
type caller struct {
	base   string
	client *http.Client
	seen   *wire // nil: nothing kept
	// answerOnly has the contract check only the answers (see
	// openapitest.AnswerOnly).
	answerOnly bool
}

func newCaller(base string, seen *wire) *caller {
	return &caller{base: base, client: &http.Client{Timeout: 30 * time.Second}, seen: seen}
}

// do sends one request; key goes in "Authorization: Bearer" unless empty,
// header adds or replaces headers (a "" value deletes).
func (c *caller) do(method, path, key, body string, header map[string]string) (answer, error) {
	var payload io.Reader
	if body != "" {
		payload = strings.NewReader(body)
	}
	ctx := context.Background()
	if c.answerOnly {
		ctx = openapitest.AnswerOnly(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, payload)
	if err != nil {
		return answer{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: data, trailer: resp.Trailer, elapsed: time.Since(start)}
	c.seen.keep(a)
	return a, err
}

// must is do for requests that must get an answer.
func (c *caller) must(t *testing.T, method, path, key, body string, header map[string]string) answer {
	t.Helper()
	a, err := c.do(method, path, key, body, header)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

// errorShape is the contract's error body, and nothing else:
// {"detail":{"error":CODE,"message":TEXT,"docs":URL}}.
type errorShape struct {
	Detail struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Docs    string `json:"docs"`
	} `json:"detail"`
}

// parseError checks that body is exactly the contract's error shape with
// all three fields set, and returns it.
func parseError(body []byte) (errorShape, error) {
	var e errorShape
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, fmt.Errorf("not the contract's error shape: %v", err)
	}
	if dec.More() {
		return e, fmt.Errorf("data after the error object")
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || len(raw) != 1 || len(raw["detail"]) != 3 {
		return e, fmt.Errorf("not exactly {\"detail\":{error,message,docs}}")
	}
	if e.Detail.Error == "" || e.Detail.Message == "" || e.Detail.Docs != testDocs {
		return e, fmt.Errorf("error %q, message %q, docs %q: all must be set, docs to %s", e.Detail.Error, e.Detail.Message, e.Detail.Docs, testDocs)
	}
	return e, nil
}

// checkError reports (without stopping the test) unless a is the
// contract's JSON error with this status and code, with a request ID.
func checkError(t *testing.T, what string, a answer, status int, code string) errorShape {
	t.Helper()
	e, err := parseError(a.body)
	switch {
	case a.status != status || e.Detail.Error != code:
		t.Errorf("%s: %d %.300s, want %d %s", what, a.status, a.body, status, code)
	case err != nil:
		t.Errorf("%s: %v: %.300s", what, err, a.body)
	case a.header.Get("Content-Type") != "application/json":
		t.Errorf("%s: Content-Type %q, want application/json", what, a.header.Get("Content-Type"))
	case a.header.Get("X-Request-Id") == "":
		t.Errorf("%s: no X-Request-Id", what)
	}
	return e
}

// waitFor polls cond until it holds, failing the test after 10 s. It waits
// on the gateway's batched writes (the audit log's 250 ms, the ledger's 1 s),
// never to time anything.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sseEvent is one event of a text/event-stream answer.
type sseEvent struct {
	name string
	data string
}

// parseSSE splits an event stream into its events.
func parseSSE(body []byte) []sseEvent {
	var events []sseEvent
	for _, block := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n\n") {
		var ev sseEvent
		for _, line := range strings.Split(block, "\n") {
			if name, ok := strings.CutPrefix(line, "event: "); ok {
				ev.name = name
			} else if data, ok := strings.CutPrefix(line, "data: "); ok {
				ev.data += data
			}
		}
		if ev.name != "" || ev.data != "" {
			events = append(events, ev)
		}
	}
	return events
}

// auditRecord is what GET /v1/audit shows of a call.
type auditRecord struct {
	RequestID string         `json:"request_id"`
	Endpoint  string         `json:"endpoint"`
	Status    int            `json:"status"`
	Provider  string         `json:"provider"`
	Model     string         `json:"model"`
	TokensIn  int64          `json:"tokens_in"`
	TokensOut int64          `json:"tokens_out"`
	Cost      money.MicroUSD `json:"cost_usd"`
	Error     string         `json:"error"`
	Note      string         `json:"note"`
}

// auditOf returns the caller's audit records for endpoint, newest first.
func (c *caller) auditOf(t *testing.T, key, endpoint string) []auditRecord {
	t.Helper()
	a := c.must(t, "GET", "/v1/audit?limit=500&endpoint="+endpoint, key, "", nil)
	var out struct {
		Records []auditRecord `json:"records"`
	}
	if a.status != 200 || json.Unmarshal(a.body, &out) != nil {
		t.Fatalf("audit: %d %s", a.status, a.body)
	}
	return out.Records
}

// usedUSD returns the caller's used_usd from GET /v1/usage.
func (c *caller) usedUSD(t *testing.T, key string) money.MicroUSD {
	t.Helper()
	a := c.must(t, "GET", "/v1/usage", key, "", nil)
	var out struct {
		Status struct {
			Used money.MicroUSD `json:"used_usd"`
		} `json:"status"`
	}
	if a.status != 200 || json.Unmarshal(a.body, &out) != nil {
		t.Fatalf("usage: %d %s", a.status, a.body)
	}
	return out.Status.Used
}

// noPanicLogged fails the test if the gateway logged a panic.
func (in *instance) noPanicLogged(t *testing.T) {
	t.Helper()
	log := in.log.String()
	for _, bad := range []string{"panic", "endpoint panicked", "DATA RACE"} {
		if i := strings.Index(log, bad); i >= 0 {
			t.Errorf("the gateway logged %q: %s", bad, log[max(0, i-300):min(len(log), i+600)])
		}
	}
}
