package caddymodule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// A site with a log directive gets an access log, and with it the warning;
// a site without one does not.
func TestServersWithAccessLogsAreFound(t *testing.T) {
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(`
http://:9001 {
	log
	kaine
}
http://:9002 {
	kaine
}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			HTTP caddyhttp.App `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(adapted, &cfg); err != nil {
		t.Fatal(err)
	}
	got := serversWithAccessLogs(&cfg.Apps.HTTP)
	if len(got) != 1 || len(cfg.Apps.HTTP.Servers) != 2 {
		t.Fatalf("servers with access logs: %v of %d", got, len(cfg.Apps.HTTP.Servers))
	}
	if srv := cfg.Apps.HTTP.Servers[got[0]]; srv.Listen[0] != ":9001" {
		t.Fatalf("the logged server listens on %v", srv.Listen)
	}
}

// With docs/operating.md's filter ("Access logs"), a site's access log names the call (request,
// user and key IDs) and holds none of the keys the SDKs send.
func TestAccessLogWithTheFilterHoldsIDsAndNoKeys(t *testing.T) {
	u := newUpstreams(t)
	logPath := filepath.Join(t.TempDir(), "access.log")
	port := freePort(t)
	g := startGatewayWithSites(t, "", u.providers(""), fmt.Sprintf(`http://127.0.0.1:%d {
	log {
		output file %s
		format filter {
			request>headers>X-Api-Key delete
			request>headers>X-Goog-Api-Key delete
			request>headers>X-Kaine-Provider-Key delete
			request>uri query {
				delete key
			}
		}
	}
	kaine
}`, port, logPath))
	k := g.userWithKey("angel", "write")
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "hi", Usage: fakeupstream.Usage{InputTokens: 1, OutputTokens: 1}})
	u.google.Enqueue(fakeupstream.Reply{Text: "hi", Usage: fakeupstream.Usage{InputTokens: 1, OutputTokens: 1}})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	calls := []struct {
		url     string
		headers map[string]string
		body    string
	}{
		{base + "/anthropic/v1/messages", map[string]string{"X-Api-Key": k.Key, "Anthropic-Version": "2023-06-01", "X-Kaine-Provider-Key": "sk-ant-callers-own"},
			`{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`},
		{base + "/google/v1beta/models/gemini-2.5-flash-lite:generateContent?key=AIza-in-the-url", map[string]string{"X-Goog-Api-Key": k.Key},
			`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`},
	}
	for _, c := range calls {
		if status, _, data := g.sendWithHeaders("POST", c.url, c.headers, []byte(c.body)); status != 200 {
			t.Fatalf("%s: %d %s", c.url, status, data)
		}
	}
	var log []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if log, _ = os.ReadFile(logPath); bytes.Count(log, []byte("\n")) >= 2 {
			break
		}
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) != 2 || strings.Contains(string(log), k.Key) || strings.Contains(string(log), "sk-ant-callers-own") || strings.Contains(string(log), "AIza-in-the-url") {
		t.Fatalf("access log:\n%s", log)
	}
	for _, line := range lines {
		for _, field := range []string{`"request_id":`, `"user_id":"` + strconv.FormatUint(k.UserID, 10) + `"`, `"key_id":`} {
			if strings.Count(line, field) != 1 {
				t.Fatalf("access log line without %s, or with it twice:\n%s", field, line)
			}
		}
	}
}
