package videos

import (
	"context"
	"testing"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/videos/fakevideo"
)

// testKeys are the credentials the fake accepts. The secrets are long
// enough that a leak into a message would be noticed.
var testKeys = fakevideo.Keys{
	FAL:         "fal-id-0001:falsecret0123456789abcdef0123456789",
	Runway:      "key_runway0123456789abcdef0123456789abcdef",
	KlingAccess: "AKkling0123",
	KlingSecret: "klingsecret0123456789abcdef0123456789",
	Higgsfield:  "hf-id-0001:hfsecret0123456789abcdef0123456789abcdef",
}

// keyFor is the api_key to configure provider name with.
func keyFor(name string) string {
	switch name {
	case FAL:
		return testKeys.FAL
	case Runway:
		return testKeys.Runway
	case Kling:
		return testKeys.KlingAccess + ":" + testKeys.KlingSecret
	}
	return testKeys.Higgsfield
}

func newFake(t *testing.T) *fakevideo.Server {
	t.Helper()
	f := fakevideo.New(testKeys)
	t.Cleanup(f.Close)
	return f
}

// newProvider makes provider name against the fake, with cfg's model
// and price and, unless cfg has one, the right key.
func newProvider(t *testing.T, f *fakevideo.Server, name string, cfg Config) Provider {
	t.Helper()
	cfg.BaseURL = f.BaseURL(name)
	if cfg.APIKey == "" {
		cfg.APIKey = keyFor(name)
	}
	if cfg.PricePerSecond == 0 {
		cfg.PricePerSecond = money.FromUSD(0.05)
	}
	p, err := New(name, cfg, f.Client())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pollToEnd polls until a final state, returning every state seen.
func pollToEnd(t *testing.T, p Provider, ref ProviderRef) (Status, []State) {
	t.Helper()
	var seen []State
	for range 10 {
		st, err := p.Poll(context.Background(), ref)
		if err != nil {
			t.Fatalf("%s poll: %v", p.Name(), err)
		}
		seen = append(seen, st.State)
		if st.State.Final() {
			return st, seen
		}
	}
	t.Fatalf("%s: no final state after 10 polls: %v", p.Name(), seen)
	return Status{}, nil
}

func equalStates(a, b []State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
