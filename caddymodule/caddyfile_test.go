package caddymodule

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

func adapt(t *testing.T, caddyfile string) ([]byte, error) {
	t.Helper()
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), map[string]any{"filename": "Caddyfile"})
	return cfg, err
}

func TestDefaultCaddyfileAdaptsWithoutSecrets(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-appear")
	src, err := os.ReadFile("../Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := adapt(t, string(src))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(cfg), "sk-ant-must-not-appear") {
		t.Fatal("the adapted default config holds a provider key")
	}
	var parsed struct {
		Admin struct {
			Listen string `json:"listen"`
			Config struct {
				Persist *bool `json:"persist"`
			} `json:"config"`
		} `json:"admin"`
		Apps struct {
			Kaine App `json:"kaine"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(cfg, &parsed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(parsed.Admin.Listen, "localhost:") || parsed.Admin.Config.Persist == nil || *parsed.Admin.Config.Persist {
		t.Fatalf("admin = %+v; want localhost and persist_config off", parsed.Admin)
	}
	k := parsed.Apps.Kaine
	if k.Storage != "kaine-data/kaine.db" || k.Providers["anthropic"].APIKey != "{env.ANTHROPIC_API_KEY}" {
		t.Fatalf("kaine app = %+v", k)
	}
}

func TestCaddyfileErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"unknown option", "colour blue", `unrecognized kaine option "colour"`},
		{"missing value", "storage", "wrong argument count"},
		{"bad cap", "tier pro {\n\t\tcap_usd lots\n\t}", `cap_usd "lots" is not a number`},
		{"new tier without rpm", "tier gold {\n\t\tcap_usd 10\n\t}", "rpm must be between 1 and"},
		{"rpm too high", "tier gold {\n\t\trpm 10000000000\n\t}", "rpm must be between 1 and"},
		{"unknown tier setting", "tier pro {\n\t\tburst 5\n\t}", `unrecognized setting "burst"`},
		{"unknown protocol", "provider x {\n\t\tprotocol grpc\n\t\tbase_url http://127.0.0.1:1\n\t}", `unknown protocol "grpc"`},
		{"custom provider without url", "provider local {\n\t\tprotocol openai\n\t}", "base_url is required"},
		{"bad timeout", "provider openai {\n\t\ttimeout soon\n\t}", `timeout "soon"`},
		{"duplicate tier", "tier a {\n\t\trpm 1\n\t}\n\ttier a {\n\t\trpm 2\n\t}", "defined twice"},
		{"bad price", "model sonnet {\n\t\tinput_usd cheap\n\t}", "model sonnet: input_usd"},
		{"negative price", "model sonnet {\n\t\toutput_usd -1\n\t}", "must not be negative"},
		{"bad flag", "model gpt {\n\t\tno_temperature maybe\n\t}", "takes no value, true or false"},
		{"unknown model setting", "model gpt {\n\t\tcolour red\n\t}", `unrecognized setting "colour"`},
		{"routing value missing", "routing {\n\t\tcheap_route\n\t}", "cheap_route needs a value"},
		{"bad breaker", "routing {\n\t\tbreaker_failures 0\n\t}", "above 0"},
		{"bad fee", "routing {\n\t\tbyok_fee_usd 0.00000001\n\t}", "byok_fee_usd"},
		{"bad retention", "audit_retention forever", `audit_retention "forever" is not a positive duration like 90d`},
		{"NaN temperature", "model gpt {\n\t\tmax_temperature NaN\n\t}", "max_temperature must be above 0"},
		{"bad flush interval", "audit_flush_interval 0s", `audit_flush_interval "0s" is not a positive duration like 250ms`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := adapt(t, "{\n\tkaine {\n\t"+tc.body+"\n\t}\n}\n:8080 {\n\tkaine\n}\n")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "Caddyfile:") {
				t.Fatalf("err = %v; want one naming the file and line and saying %q", err, tc.want)
			}
		})
	}
	if _, err := adapt(t, ":8080 {\n\tkaine extra\n}\n"); err == nil {
		t.Fatal("the directive took an argument")
	}
}

func TestModelAndRoutingBlocksAdapt(t *testing.T) {
	cfg, err := adapt(t, `{
	kaine {
		provider local {
			protocol openai
			base_url http://127.0.0.1:11434/v1
			model llama3.2
		}
		model sonnet {
			id claude-sonnet-4-6
			input_usd 3
			output_usd 15
			no_temperature false
		}
		model llama3.2 {
			input_usd 0.01
			reasoning
			thinking_level
		}
		routing {
			cheap_tasks caption tag
			cheap_route llama3.2 gemini-flash
			default_route sonnet gpt
			byok_fee_usd 0.001
			breaker_failures 3
			breaker_open 10s
		}
	}
}
:8080 {
	kaine
}
`)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Apps struct {
			Kaine App `json:"kaine"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(cfg, &parsed); err != nil {
		t.Fatal(err)
	}
	app := parsed.Apps.Kaine
	app.Providers = map[string]Provider{"local": app.Providers["local"].withDefaults("local")}
	for name, p := range knownProviders {
		app.Providers[name] = p.withDefaults(name)
	}
	table, err := app.modelTable()
	if err != nil {
		t.Fatal(err)
	}
	sonnet, llama := table.Model("sonnet"), table.Model("llama3.2")
	// sonnet now names the catalog's claude-sonnet-4-6, with its prices ($0.30 cache reads).
	if sonnet.ID != "claude-sonnet-4-6" || sonnet.NoTemperature || sonnet.PriceAt(time.Now()).Output != 15_000_000 || sonnet.PriceAt(time.Now()).CacheRead != 300_000 {
		t.Fatalf("sonnet override: %+v", sonnet)
	}
	if llama.Provider != "local" || llama.PriceAt(time.Now()).Input != 10_000 || !llama.Reasoning || !llama.ThinkingLevel {
		t.Fatalf("local model: %+v", llama)
	}
	rules := app.Routing.rules()
	if strings.Join(rules.CheapRoute, " ") != "llama3.2 gemini-flash" || app.Routing.byokFee() != 1000 || app.Routing.breaker().Failures != 3 {
		t.Fatalf("routing: %+v, fee %d", rules, app.Routing.byokFee())
	}
}
