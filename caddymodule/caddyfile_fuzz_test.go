package caddymodule

// A fuzz target for the Caddyfile parsing of the kaine block (issue 9).
// Its seeds run with the ordinary tests; a real run is
//
//	go test -run XXX -fuzz '^FuzzKaineCaddyfile$' -fuzztime 5s ./caddymodule/

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// Whatever the kaine global block holds, adapting the Caddyfile returns an
// error or a config whose kaine app is an object the app can decode; it
// never panics.
func FuzzKaineCaddyfile(f *testing.F) {
	for _, seed := range []string{
		"",
		"storage kaine-data/kaine.db\n\t\tfiles_dir kaine-data/files\n\t\tpublic_url http://localhost:8080\n\t\tdocs_url https://keine.tech/api-docs",
		"tier starter {\n\t\t\tcap_usd 50\n\t\t\trpm 30\n\t\t}\n\t\ttier gold {\n\t\t\tcap_usd 1000.5\n\t\t\trpm 600\n\t\t}",
		"provider anthropic {\n\t\t\tapi_key {env.ANTHROPIC_API_KEY}\n\t\t\tbase_url https://api.anthropic.com\n\t\t\ttimeout 90s\n\t\t}\n\t\tprovider google {\n\t\t\tapi_key {env.GEMINI_API_KEY}\n\t\t}",
		"provider local {\n\t\t\tprotocol openai\n\t\t\tbase_url http://127.0.0.1:11434/v1\n\t\t\tmodel llama3.2\n\t\t\tpassthrough_allow POST /embeddings\n\t\t}",
		"model sonnet {\n\t\t\tprovider anthropic\n\t\t\tid claude-sonnet-4-6\n\t\t\tinput_usd 3\n\t\t\toutput_usd 15\n\t\t\tcache_read_usd 0.3\n\t\t\tcache_write_usd 3.75\n\t\t\tcache_write_1h_usd 6\n\t\t\tdisable_thinking\n\t\t}",
		"model gpt {\n\t\t\tprovider openai\n\t\t\tid gpt-5.4\n\t\t\tinput_usd 1.25\n\t\t\toutput_usd 10\n\t\t\tno_temperature false\n\t\t\tmax_temperature 1.5\n\t\t\tmax_completion_tokens true\n\t\t\treasoning_effort low\n\t\t}",
		"routing {\n\t\t\tcheap_tasks caption summarize classify follow_up reply\n\t\t\tcheap_route gemini-flash gpt-mini haiku\n\t\t\tdefault_route sonnet gpt gemini\n\t\t\tbyok_fee_usd 0.0005\n\t\t\tbreaker_failures 5\n\t\t\tbreaker_open 30s\n\t\t}",
		"video runway {\n\t\t\tapi_key {env.RUNWAY_API_KEY}\n\t\t\tprice_per_second 0.05\n\t\t}\n\t\tn8n {\n\t\t\tbase_url https://n8n.example.com\n\t\t\tapi_key {env.N8N_API_KEY}\n\t\t\taccounts angel bob\n\t\t}",
		"audit_retention 90d\n\t\taudit_flush_interval 50ms\n\t\tpassthrough_max_body 10MiB",
		"colour blue",
		"tier pro {\n\t\tburst 5\n\t}",
		"provider x {\n\t\tprotocol grpc\n\t\tbase_url \"http://127.0.0.1:1\"\n\t}",
		"model sonnet {\n\t\toutput_usd -1\n\t}",
		"}\n}\n{\n\tkaine {",
		"storage `a b` # comment\n\t\tdocs_url <<EOF\n\t\thttps://x\n\t\tEOF",
	} {
		f.Add(seed)
	}
	adapter := caddyconfig.GetAdapter("caddyfile")
	f.Fuzz(func(t *testing.T, body string) {
		// import reads files (a glob, or /dev/zero) and {$VAR} makes text
		// from the environment: neither is the kaine block's parsing.
		if strings.Contains(body, "import") || strings.Contains(body, "{$") {
			return
		}
		caddyfile := "{\n\tkaine {\n\t\t" + body + "\n\t}\n}\n:8080 {\n\tkaine\n}\n"
		cfg, _, err := adapter.Adapt([]byte(caddyfile), map[string]any{"filename": "Caddyfile"})
		if err != nil {
			return
		}
		if !json.Valid(cfg) {
			t.Fatalf("%q adapted to invalid JSON %q", body, cfg)
		}
		var parsed struct {
			Apps map[string]json.RawMessage `json:"apps"`
		}
		if err := json.Unmarshal(cfg, &parsed); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		raw, ok := parsed.Apps["kaine"]
		if !ok || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
			t.Fatalf("%q adapted without a kaine app object: %s", body, cfg)
		}
		var app App
		if err := json.Unmarshal(raw, &app); err != nil {
			t.Fatalf("%q: the kaine app %s does not decode: %v", body, raw, err)
		}
	})
}
