package caddymodule

import (
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/videos"
)

// VideoProvider configures one video API. One whose key is empty once
// placeholders are resolved is not offered.
type VideoProvider struct {
	// BaseURL is the API's root. Default: the provider's public API.
	BaseURL string `json:"base_url,omitempty"`
	// APIKey is the provider's key, written as {env.VAR} (Kling's is
	// ACCESS_KEY:SECRET_KEY, Higgsfield's KEY_ID:KEY_SECRET).
	APIKey string `json:"api_key,omitempty"`
	// Model is the provider's model. Default: one per provider (docs/operating.md, "Video providers").
	Model string `json:"model,omitempty"`
	// PricePerSecondUSD is what a second of video costs the caller. No
	// default: the providers sell credits, and the operator knows their rate.
	PricePerSecondUSD money.MicroUSD `json:"price_per_second_usd"`
}

// maxPricePerSecond bounds price_per_second, so a typo cannot make one
// video reserve a fortune.
const maxPricePerSecond = 1000 * money.MicroUSD(1_000_000)

func (v VideoProvider) validate(name string) error {
	if !videos.Known(name) {
		return fmt.Errorf("video %s: unknown provider (known: %s)", name, strings.Join(videos.Names, ", "))
	}
	if p := v.PricePerSecondUSD; p <= 0 || p > maxPricePerSecond {
		return fmt.Errorf("video %s: price_per_second must be a price in USD above 0, like 0.05", name)
	}
	return checkURL("video "+name+": base_url", v.BaseURL)
}

// videoProviders builds the configured video clients over the runtime's
// connection pools.
func (a *App) videoProviders(repl *caddy.Replacer) (map[string]videos.Provider, error) {
	out := map[string]videos.Provider{}
	for name, v := range a.Videos {
		key := repl.ReplaceAll(v.APIKey, "")
		if key == "" {
			a.logger.Warn("video provider has no key; it is not offered", zap.String("video", name))
			continue
		}
		client := a.runtime.httpClient("video "+name, v.BaseURL)
		api, err := videos.New(name, videos.Config{BaseURL: v.BaseURL, APIKey: key, Model: v.Model,
			PricePerSecond: v.PricePerSecondUSD}, client)
		if err != nil {
			return nil, fmt.Errorf("video %s: %w", name, err)
		}
		out[name] = api
	}
	return out, nil
}
