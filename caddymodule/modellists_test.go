package caddymodule

import (
	"slices"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// At start the gateway reads each configured provider's model list and
// shows, per provider, the served models without a price and the priced
// ones no longer served; a provider that cannot be listed is a warning,
// never a failed start.
func TestLiveModelListsShowDrift(t *testing.T) {
	u := newUpstreams(t)
	u.openai.ListedModels = []string{"gpt-5.4", "gpt-5.4-2026-03-05", "gpt-5.4-mini", "gpt-9-preview", "whisper-1"}
	u.anthropic.ListedModels = []string{"claude-sonnet-5-5"}
	g := startGateway(t, u.providers(`provider broken {
			base_url `+fakeupstream.RefusedURL()+`/v1
			api_key test-broken-key
		}`))
	k := g.userWithKey("angel", "read")

	var live map[string]any
	for deadline := time.Now().Add(5 * time.Second); live == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		live, _ = providerStatus(g, k.Key, "openai")["live_models"].(map[string]any)
	}
	if live == nil {
		t.Fatal("/v1/providers shows no live_models for openai after 5s")
	}
	if unpriced := stringList(live["unpriced"]); !slices.Equal(unpriced, []string{"gpt-9-preview", "whisper-1"}) {
		t.Fatalf("unpriced %v", unpriced)
	}
	unserved := stringList(live["unserved"])
	if !slices.Contains(unserved, "gpt-5.4-nano") || slices.Contains(unserved, "gpt-5.4") || slices.Contains(unserved, "gpt-4.1-nano") {
		t.Fatalf("unserved %v: want the priced gpt-5.4-nano, not the served gpt-5.4 nor the retired gpt-4.1-nano", unserved)
	}
	if got := metricValue(t, g, `kaine_provider_models{provider="openai",state="unpriced"}`); got != "2" {
		t.Fatalf("unpriced gauge %q", got)
	}
	if u.openai.ListCalls() != 1 {
		t.Fatalf("the list was read %d times", u.openai.ListCalls())
	}

	// A reload within the interval reuses the list; a provider that could
	// not be listed says why, without its address, and the gateway serves
	// on.
	g.load(g.config + "\n")
	reloaded := activeApp(t)
	for deadline := time.Now().Add(5 * time.Second); !publishedAll(reloaded); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the reloaded config published no model lists after 5s")
		}
	}
	if u.openai.ListCalls() != 1 {
		t.Fatalf("a reload read the list again (%d reads)", u.openai.ListCalls())
	}
	live, _ = providerStatus(g, k.Key, "broken")["live_models"].(map[string]any)
	if msg, _ := live["error"].(string); msg != "the provider could not be reached, or its answer was not a model list" {
		t.Fatalf("a provider that cannot be listed: %v", live)
	}
}

// publishedAll reports whether a config's router shows every configured
// provider's list.
func publishedAll(app *App) bool {
	for _, p := range app.llm.Status().Providers {
		if p.Configured && p.LiveModels == nil {
			return false
		}
	}
	return true
}

func stringList(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
