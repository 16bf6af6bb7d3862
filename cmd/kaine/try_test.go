package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"

	"github.com/keinetech/kaine/money"
)

// The walk-through of examples/try/README.md, step by step, through the
// built gateway and the built examples/fakeproviders: the CLI makes a user
// and a key, then a /v1/llm call, a streamed one, an OpenAI SDK call on the
// drop-in route, and the usage and audit that show them.
func TestTryWalkThrough(t *testing.T) {
	readme := readFile(t, "../../examples/try/README.md")
	const (
		plainBody  = `{"prompt":"Write a 1-line product description for an AI scheduler","task_type":"summarize","max_tokens":80}`
		streamBody = `{"prompt":"Name three colours","provider":"anthropic","stream":true}`
		sdkPrompt  = "Say hello to Kaine"
	)
	for _, shown := range []string{plainBody, streamBody, `"content":"` + sdkPrompt + `"`, `"content": "` + sdkPrompt + `"`} {
		if !strings.Contains(readme, shown) {
			t.Fatalf("examples/try/README.md does not show %s: the test and the walk-through have drifted", shown)
		}
	}

	dir := t.TempDir()
	fakeAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	fakeLog := startFakeProviders(t, dir, fakeAddr)
	in := &instance{t: t, dir: dir, httpPort: freePort(t), log: &syncBuffer{}, config: filepath.Join(dir, "Caddyfile")}
	in.adminAddr = fmt.Sprintf("localhost:%d", freePort(t))
	in.base = fmt.Sprintf("http://127.0.0.1:%d", in.httpPort)
	writeTryConfig(t, in.config, []string{
		"127.0.0.1:8099", fakeAddr,
		"localhost:2019", in.adminAddr,
		":8080", fmt.Sprintf(":%d", in.httpPort),
		"try-data/", filepath.Join(dir, "data") + "/",
	})
	in.start()

	var user struct {
		Tier string `json:"tier"`
	}
	in.admin(&user, "users", "add", "--username", "angel", "--email", "angel@example.com", "--tier", "developer")
	var created struct {
		Key string `json:"key"`
	}
	in.admin(&created, "keys", "create", "--user", "angel", "--scopes", "read,write", "--name", "try")
	key := created.Key
	if user.Tier != "developer" || !strings.HasPrefix(key, "kn_live_") {
		t.Fatalf("user on tier %q, key %q", user.Tier, key)
	}
	c := newCaller(in.base, nil)

	a := c.must(t, "POST", "/v1/llm", key, plainBody, nil)
	var plain struct {
		OK       bool           `json:"ok"`
		Text     string         `json:"text"`
		Provider string         `json:"provider"`
		TokensIn int            `json:"tokens_in"`
		Cost     money.MicroUSD `json:"cost_usd"`
	}
	if a.status != 200 || json.Unmarshal(a.body, &plain) != nil || !plain.OK || plain.Provider != "google" ||
		!strings.Contains(plain.Text, `You said: "Write a 1-line product description for an AI …"`) || plain.TokensIn == 0 || plain.Cost <= 0 {
		t.Fatalf("/v1/llm: %d %s", a.status, a.body)
	}

	a = c.must(t, "POST", "/v1/llm", key, streamBody, nil)
	events := parseSSE(a.body)
	if a.status != 200 || len(events) < 3 {
		t.Fatalf("streamed /v1/llm: %d %s", a.status, a.body)
	}
	var streamed strings.Builder
	for _, ev := range events[:len(events)-1] {
		var delta struct {
			Text string `json:"text"`
		}
		if ev.name != "delta" || json.Unmarshal([]byte(ev.data), &delta) != nil {
			t.Fatalf("streamed /v1/llm: event %q %s before the end", ev.name, ev.data)
		}
		streamed.WriteString(delta.Text)
	}
	var done struct {
		OK       bool           `json:"ok"`
		Provider string         `json:"provider"`
		Cost     money.MicroUSD `json:"cost_usd"`
	}
	end := events[len(events)-1]
	if end.name != "done" || json.Unmarshal([]byte(end.data), &done) != nil ||
		!done.OK || done.Provider != "anthropic" || done.Cost <= 0 || !strings.HasSuffix(streamed.String(), `You said: "Name three colours"`) {
		t.Fatalf("streamed /v1/llm: %d, %d events, text %q, end %+v", a.status, len(events), streamed.String(), end)
	}

	sdk := openai.NewClient(openaioption.WithBaseURL(in.base+"/openai/v1"), openaioption.WithAPIKey(key), openaioption.WithMaxRetries(0))
	completion, err := sdk.Chat.Completions.New(t.Context(), openai.ChatCompletionNewParams{
		Model:    "gpt-5.4-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(sdkPrompt)},
	})
	if err != nil {
		t.Fatalf("the OpenAI SDK through /openai/v1: %v", err)
	}
	if len(completion.Choices) != 1 || !strings.Contains(completion.Choices[0].Message.Content, `You said: "`+sdkPrompt+`"`) || completion.Usage.PromptTokens == 0 {
		t.Fatalf("the OpenAI SDK got %+v", completion)
	}

	// Newest first; the audit log commits in batches, and the reads of
	// /v1/usage and /v1/audit are audited too.
	var calls []auditRecord
	waitFor(t, "the three calls' audit records", func() bool {
		calls = nil
		for _, r := range c.auditOf(t, key, "") {
			if r.Endpoint != "/v1/usage" && r.Endpoint != "/v1/audit" {
				calls = append(calls, r)
			}
		}
		return len(calls) >= 3
	})
	var got []string
	for _, r := range calls {
		got = append(got, fmt.Sprintf("%s %d %s %s", r.Endpoint, r.Status, r.Provider, r.Model))
	}
	want := "/openai/v1/chat/completions 200 openai gpt-5.4-mini, /v1/llm 200 anthropic claude-sonnet-5-5, /v1/llm 200 google gemini-2.5-flash-lite"
	if strings.Join(got, ", ") != want || calls[1].Cost != done.Cost || calls[2].Cost != plain.Cost || calls[0].Cost <= 0 {
		t.Fatalf("audit records:\n%s\nwant %s, costs %v %v", strings.Join(got, "\n"), want, done.Cost, plain.Cost)
	}
	sum := calls[0].Cost + calls[1].Cost + calls[2].Cost
	if used := c.usedUSD(t, key); used != sum {
		t.Fatalf("used_usd %v, want the three calls' %v", used, sum)
	}

	in.stop()
	in.noPanicLogged(t)
	for _, line := range []string{
		"POST /v1beta/models/gemini-2.5-flash-lite:generateContent model=gemini-2.5-flash-lite",
		"POST /v1/messages model=claude-sonnet-5-5",
		"POST /v1/chat/completions model=gpt-5.4-mini",
	} {
		if !strings.Contains(fakeLog.String(), line) {
			t.Errorf("the fake did not log %q:\n%s", line, fakeLog)
		}
	}
	for _, secret := range []string{key, "fake-anthropic-key", "fake-gemini-key", "fake-openai-key"} {
		if strings.Contains(fakeLog.String(), secret) {
			t.Errorf("the fake logged the key %q", secret)
		}
	}
}

// startFakeProviders builds examples/fakeproviders, starts it on addr and
// waits for its banner; it is interrupted, as Ctrl-C does, at the end of
// the test and must then exit cleanly. It returns the fake's log (its
// stderr; the banner, with the Caddyfile's dummy keys, is on stdout).
func startFakeProviders(t *testing.T, dir, addr string) *syncBuffer {
	t.Helper()
	bin := filepath.Join(dir, "fakeproviders")
	build := exec.Command("go", "build", "-race", "-o", bin, "github.com/keinetech/kaine/examples/fakeproviders")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building examples/fakeproviders: %v\n%s", err, out)
	}
	banner, stderr := &syncBuffer{}, &syncBuffer{}
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Stdout, cmd.Stderr = banner, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting examples/fakeproviders: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil || strings.Contains(stderr.String(), "DATA RACE") {
				t.Errorf("examples/fakeproviders exited with %v:\n%s", err, stderr)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("examples/fakeproviders did not exit on an interrupt")
		}
	})
	waitFor(t, "the fake's banner", func() bool {
		return strings.Contains(banner.String(), "APIs on http://"+addr+"\n")
	})
	return stderr
}

// writeTryConfig writes examples/try/Caddyfile to path with oldnew's
// pairs replaced, as strings.NewReplacer does, failing if the file lacks an
// old string: the test runs the file as shipped, only on its own ports and
// data directory.
func writeTryConfig(t *testing.T, path string, oldnew []string) {
	t.Helper()
	cfg := readFile(t, "../../examples/try/Caddyfile")
	for i := 0; i < len(oldnew); i += 2 {
		if !strings.Contains(cfg, oldnew[i]) {
			t.Fatalf("examples/try/Caddyfile has no %q to replace: the test and the file have drifted", oldnew[i])
		}
	}
	cfg = strings.NewReplacer(oldnew...).Replace(cfg)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
