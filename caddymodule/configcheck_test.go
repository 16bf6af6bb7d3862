package caddymodule

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// A config loaded as JSON (the admin API's /load) is checked as its
// Caddyfile would be: the same bad value, the same refusal.
func TestBadSettingsAreRefusedAlikeInJSONAndCaddyfile(t *testing.T) {
	for _, tc := range []struct {
		name, caddyfile string
		field           string // the kaine app's JSON field
		json            string // its bad value
		want            string
	}{
		{"max_temperature", "model sonnet {\n\t\t\tmax_temperature 5\n\t\t}", "models", `{"sonnet":{"max_temperature":5}}`,
			"model sonnet: max_temperature must be above 0 and at most 2"},
		{"negative price", "model sonnet {\n\t\t\tinput_usd -1\n\t\t}", "models", `{"sonnet":{"input_usd":-1000000}}`,
			"a price must not be negative"},
		{"retires", "model sonnet {\n\t\t\tretires 2027-13-45\n\t\t}", "models", `{"sonnet":{"retires":"2027-13-45"}}`,
			"retires takes a day like 2027-03-01, or never"},
		{"byok fee", "routing {\n\t\t\tbyok_fee_usd -0.01\n\t\t}", "routing", `{"byok_fee_usd":-10000}`,
			"routing: byok_fee_usd must not be negative"},
		{"breaker_open", "routing {\n\t\t\tbreaker_open -1s\n\t\t}", "routing", `{"breaker_open":-1000000000}`,
			"routing: breaker_open must be a positive duration like 30s"},
		{"passthrough_max_body too big", "passthrough_max_body 2GiB", "passthrough_max_body", `2147483648`,
			"is not a size from 1B to 1GiB"},
		{"passthrough_max_body negative", "passthrough_max_body -1", "passthrough_max_body", `-1`,
			"is not a size from 1B to 1GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storage := filepath.Join(t.TempDir(), "kaine.db")
			if _, err := adapt(t, kaineCaddyfile(storage, tc.caddyfile)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Caddyfile: %v; want %q", err, tc.want)
			}
			good, err := adapt(t, kaineCaddyfile(storage, ""))
			if err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			json.Unmarshal(good, &cfg)
			cfg["apps"].(map[string]any)["kaine"].(map[string]any)[tc.field] = json.RawMessage(tc.json)
			bad, _ := json.Marshal(cfg)
			var loaded caddy.Config
			if err := json.Unmarshal(bad, &loaded); err != nil {
				t.Fatal(err)
			}
			if err := caddy.Validate(&loaded); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("JSON: %v; want %q", err, tc.want)
			}
		})
	}
}

func kaineCaddyfile(storage, setting string) string {
	return fmt.Sprintf(`{
	admin off
	kaine {
		storage %s
		%s
	}
}`, storage, setting)
}
