package caddymodule

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
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
	if len(got) != 1 || len(cfg.Apps.HTTP.Servers) != 2 || !slices.Contains(got, "srv0") && !slices.Contains(got, "srv1") {
		t.Fatalf("servers with access logs: %v of %d", got, len(cfg.Apps.HTTP.Servers))
	}
	if srv := cfg.Apps.HTTP.Servers[got[0]]; srv.Listen[0] != ":9001" {
		t.Fatalf("the logged server listens on %v", srv.Listen)
	}
}
