package caddymodule

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// Every string setting of the provider, video, n8n and agents blocks takes
// {env.*} placeholders, resolved and checked at provision: a base_url built
// from the environment is parsed, used, and refused only when what it
// resolves to is not a URL.
func TestSettingsTakePlaceholders(t *testing.T) {
	u := newUpstreams(t)
	t.Setenv("TEST_UPSTREAM_URL", u.openai.URL)
	t.Setenv("TEST_N8N_URL", "https://n8n.example.com")
	t.Setenv("TEST_N8N_ACCOUNT", "angel")
	t.Setenv("TEST_VIDEO_MODEL", "gen4_turbo")
	t.Setenv("TEST_BOOKING_URL", "https://cal.example.com/acme")
	g := startGateway(t, `provider openai {
			api_key test-openai-key
			base_url {env.TEST_UPSTREAM_URL}/v1
		}
		video runway {
			api_key test-runway-key
			base_url {env.TEST_UPSTREAM_URL}
			model {env.TEST_VIDEO_MODEL}
			price_per_second 0.05
		}
		n8n {
			base_url {env.TEST_N8N_URL}
			api_key test-n8n-key
			accounts {env.TEST_N8N_ACCOUNT}
		}
		agents {
			booking_url {env.TEST_BOOKING_URL}
		}`)
	k := g.userWithKey("angel", "read", "write")
	u.openai.Enqueue(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 2}})
	if status, _, data := g.doRaw("POST", "/openai/v1/chat/completions", k.Key, `{"model":"gpt-5.4","messages":[{"role":"user","content":"hi"}]}`); status != 200 {
		t.Fatalf("provider from {env.*}: %d %s", status, data)
	}
	app := activeApp(t)
	if v := app.Videos["runway"]; v.BaseURL != u.openai.URL || v.Model != "gen4_turbo" {
		t.Fatalf("video resolved to %+v", v)
	}
	if app.N8N.BaseURL != "https://n8n.example.com" || app.N8N.Accounts[0] != "angel" || app.Agents.BookingURL != "https://cal.example.com/acme" {
		t.Fatalf("n8n %+v, agents %+v", app.N8N, app.Agents)
	}

	// Resolved to something that is not a URL: refused at provision, the
	// running config kept.
	t.Setenv("TEST_UPSTREAM_URL", "not a url")
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(g.config), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err == nil || !strings.Contains(err.Error(), `base_url "not a url/v1" must be an http or https URL`) {
		t.Fatalf("a base_url resolving to no URL: %v", err)
	}
	if status, _, data := g.doRaw("GET", "/v1/me", k.Key, ""); status != 200 {
		t.Fatalf("the running config was lost: %d %s", status, data)
	}
	// The config as stored keeps the placeholders, never what they name.
	if !strings.Contains(string(cfg), "{env.TEST_UPSTREAM_URL}") {
		t.Fatalf("the adapted config lost its placeholders: %s", cfg)
	}
}

// A base_url whose variable is unset would otherwise fall back to the
// provider's public API, past the proxy the operator meant.
func TestABaseURLResolvingToNothingIsRefused(t *testing.T) {
	err := loadError(t, `provider openai {
			base_url {env.KAINE_TEST_UNSET_URL}
		}`)
	if err == nil || !strings.Contains(err.Error(), `base_url "{env.KAINE_TEST_UNSET_URL}" resolved to nothing`) {
		t.Fatalf("%v", err)
	}
}
