package caddymodule

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// Each provider's unpriced policy: refuse (the default), free (a local
// server) and price_as (billed as a named model). Calls served free or
// priced as another are audited with a note and counted; a BYOK call may
// name any model whatever the policy.
func TestUnpricedPolicies(t *testing.T) {
	u := newUpstreams(t)
	local := fakeupstream.New()
	t.Cleanup(local.Close)
	local.KeyOptional = true
	g := startGateway(t, u.providers(fmt.Sprintf(`provider local {
			base_url %s/v1
			unpriced free
		}
		provider priced {
			base_url %s/v1
			api_key test-priced-key
			unpriced price_as gpt-5.4-mini
		}`, local.URL, u.openai.URL)))
	k := g.userWithKey("angel", "read", "write")
	chat := func(route, model string) (int, []byte) {
		status, _, data := g.doRaw("POST", route+"/chat/completions", k.Key, `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
		return status, data
	}
	usage := fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100}}

	// refuse: the built-in openai's default.
	status, data := chat("/openai/v1", "gpt-9-turbo")
	if status != 400 || !strings.Contains(string(data), "has no price on this gateway") || !strings.Contains(string(data), "unpriced policy") {
		t.Fatalf("refuse: %d %s", status, data)
	}

	// free: served, billed nothing, noted and counted.
	local.Default(usage)
	if status, data := chat("/local/v1", "qwen3-32b"); status != 200 {
		t.Fatalf("free: %d %s", status, data)
	}
	if rec := g.lastRecord(k.UserID, 2, "/local/v1/chat/completions"); rec.Cost != 0 || rec.Note != "unpriced_model_free" || rec.Model != "qwen3-32b" {
		t.Fatalf("free audit record %+v", rec)
	}
	if got := metricValue(t, g, `kaine_unpriced_calls_total{policy="free",provider="local"}`); got != "1" {
		t.Fatalf("free metric %q", got)
	}
	// A call the provider refused was not served: neither noted nor counted.
	local.Enqueue(fakeupstream.Reply{Status: 404, ErrorType: "model_not_found", ErrorMessage: "no such model"})
	if status, _ := chat("/local/v1", "qwen3-33b"); status != 404 {
		t.Fatalf("a refused unpriced call: %d", status)
	}
	if rec := g.lastRecord(k.UserID, 3, "/local/v1/chat/completions"); rec.Note != "" {
		t.Fatalf("a refused call was noted %q", rec.Note)
	}
	if got := metricValue(t, g, `kaine_unpriced_calls_total{policy="free",provider="local"}`); got != "1" {
		t.Fatalf("a refused call was counted: %q", got)
	}

	// price_as: billed at gpt-5.4-mini's prices, 1000 × $0.75 + 100 × $4.50 per million.
	u.openai.Enqueue(usage)
	if status, data := chat("/priced/v1", "gpt-9-turbo"); status != 200 {
		t.Fatalf("price_as: %d %s", status, data)
	}
	if rec := g.lastRecord(k.UserID, 4, "/priced/v1/chat/completions"); rec.Cost != 1200 || rec.Note != "unpriced_model_billed_as:gpt-5.4-mini" {
		t.Fatalf("price_as audit record %+v", rec)
	}
	// The same through /v1/llm, pinned to the provider.
	u.openai.Enqueue(usage)
	status, _, a, raw := g.llm(k.Key, map[string]any{"prompt": "hi", "provider": "priced", "model": "gpt-9-turbo"})
	if status != 200 || a.Model != "gpt-9-turbo" || a.CostUSD != 0.0012 {
		t.Fatalf("/v1/llm price_as: %d %s", status, raw)
	}
	if rec := g.lastRecord(k.UserID, 5, "/v1/llm"); rec.Note != "unpriced_model_billed_as:gpt-5.4-mini" {
		t.Fatalf("/v1/llm price_as audit record %+v", rec)
	}
	if got := metricValue(t, g, `kaine_unpriced_calls_total{policy="price_as",provider="priced"}`); got != "2" {
		t.Fatalf("price_as metric %q", got)
	}
	// Without a policy /v1/llm refuses the name, as before.
	status, h, _, raw := g.llm(k.Key, map[string]any{"prompt": "hi", "provider": "openai", "model": "gpt-9-turbo"})
	wantError(t, status, h, raw, 400, "invalid_field")

	// BYOK names any model, and pays the fee.
	u.openai.Enqueue(usage)
	status, _, data = g.sendWithHeaders("POST", g.base+"/openai/v1/chat/completions",
		map[string]string{"Authorization": "Bearer " + k.Key, "X-Kaine-Provider-Key": "sk-caller-own"},
		[]byte(`{"model":"gpt-9-turbo","messages":[{"role":"user","content":"hi"}]}`))
	if status != 200 {
		t.Fatalf("byok: %d %s", status, data)
	}
	if rec := g.lastRecord(k.UserID, 7, "/openai/v1/chat/completions"); rec.Cost != 500 || rec.Note != "" {
		t.Fatalf("byok audit record %+v", rec)
	}

	if p := providerStatus(g, k.Key, "priced"); p["unpriced"] != "price_as gpt-5.4-mini" {
		t.Fatalf("/v1/providers unpriced: %v", p["unpriced"])
	}
}

func TestUnpricedSettingIsChecked(t *testing.T) {
	for _, c := range []struct{ setting, want string }{
		{"unpriced sometimes", `unpriced "sometimes" must be refuse, free or price_as`},
		{"unpriced price_as", "unpriced price_as needs the model to bill as"},
		{"unpriced free gpt-5.4", `unpriced_as "gpt-5.4" goes with unpriced price_as`},
	} {
		_, err := adapt(t, "{\n\tkaine {\n\t\tprovider local {\n\t\t\tbase_url http://127.0.0.1:1/v1\n\t\t\t"+c.setting+"\n\t\t}\n\t}\n}\n:8080 {\n\tkaine\n}\n")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.setting, err, c.want)
		}
	}
}

// price_as must name a model that bills output: not an embedding model,
// nor a retired entry without prices; and a priceless retired model cannot
// be brought back by moving its day.
func TestPriceAsAndRetirementsCannotMakeCallsFree(t *testing.T) {
	for _, c := range []struct{ kaine, want string }{
		{`provider local {
			base_url http://127.0.0.1:1/v1
			unpriced price_as text-embedding-3-small
		}`, "text-embedding-3-small is an embedding model"},
		{`provider local {
			base_url http://127.0.0.1:1/v1
			unpriced price_as gpt-4o-2024-05-13
		}`, "gpt-4o-2024-05-13 is retired"},
		{`model claude-sonnet-4 {
			retires 2099-01-01
		}`, "model claude-sonnet-4: no price"},
	} {
		if err := loadError(t, c.kaine); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.kaine, err, c.want)
		}
	}
}

// loadError loads a config with these kaine options, as `kaine run` would,
// and returns why it was refused (nil: it runs; stopped at the end).
func loadError(t *testing.T, kaineOptions string) error {
	t.Helper()
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(fmt.Sprintf(`{
	admin localhost:%d
	persist_config off
	kaine {
		storage %s
		%s
	}
}
http://127.0.0.1:%d {
	kaine
}`, freePort(t), filepath.Join(t.TempDir(), "k.db"), kaineOptions, freePort(t))), nil)
	if err != nil {
		return err
	}
	t.Cleanup(func() { caddy.Stop() })
	return caddy.Load(cfg, true)
}
