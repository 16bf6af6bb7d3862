package caddymodule

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing"

	"github.com/keinetech/kaine/money"
)

// Tier is a plan: the monthly USD cap and the request rate a user on it gets.
type Tier struct {
	// CapUSD is the most a user may spend in a rolling 30 days, in USD.
	CapUSD float64 `json:"cap_usd"`
	// RPM is the number of requests a user may make per minute.
	RPM int `json:"rpm"`
}

// defaultTiers are the contract's four tiers; the Caddyfile may change them
// or add more.
func defaultTiers() map[string]Tier {
	return map[string]Tier{
		"starter":   {CapUSD: 50, RPM: 30},
		"pro":       {CapUSD: 150, RPM: 60},
		"agency":    {CapUSD: 400, RPM: 120},
		"developer": {CapUSD: 500, RPM: 120},
	}
}

// meteringTiers converts the configured tiers to integer micro-USD caps.
func meteringTiers(tiers map[string]Tier) map[string]metering.Tier {
	out := make(map[string]metering.Tier, len(tiers))
	for name, t := range tiers {
		out[name] = metering.Tier{Cap: money.FromUSD(t.CapUSD), RPM: t.RPM}
	}
	return out
}

// maxRPM keeps the limiter's emission interval (a minute / rpm) at 60 ns or
// more; far above what one gateway can serve anyway.
const maxRPM = 1_000_000_000

func validateTier(name string, t Tier) error {
	if t.CapUSD < 0 || math.IsNaN(t.CapUSD) || math.IsInf(t.CapUSD, 0) || t.CapUSD > 1e9 {
		return fmt.Errorf("tier %s: cap_usd must be between 0 and 1e9, got %v", name, t.CapUSD)
	}
	if t.RPM <= 0 || t.RPM > maxRPM {
		return fmt.Errorf("tier %s: rpm must be between 1 and %d, got %d", name, maxRPM, t.RPM)
	}
	return nil
}

// Provider is an upstream LLM provider. A built-in one (anthropic, google,
// openai) whose API key is empty after placeholders are resolved is listed
// but never routed to (BYOK still works); one the operator adds needs no
// key (a local server).
type Provider struct {
	// Protocol is the wire protocol: anthropic, gemini or openai. Default:
	// the provider's own for anthropic, google and openai; openai otherwise.
	Protocol string `json:"protocol,omitempty"`
	// APIKey is the provider key. Write it as {env.VAR} or {file./path}: it is
	// resolved at provision time, so the secret never lands in the config
	// JSON, /config/ or autosave.json.
	APIKey string `json:"api_key,omitempty"`
	// BaseURL is where the provider's API lives. Default: the provider's
	// public endpoint for anthropic, google and openai. For the openai
	// protocol it includes the /v1, as the OpenAI SDKs' base URL does
	// (http://localhost:11434/v1 for Ollama).
	BaseURL string `json:"base_url,omitempty"`
	// Model is the model an OpenAI-compatible provider serves; it joins the
	// model table under its own name, free unless a model block prices it.
	Model string `json:"model,omitempty"`
	// Timeout bounds one upstream call. Default: 2m.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// PassthroughAllow adds requests the drop-in route forwards, each
	// "METHOD /path" below the route's mount, * matching within a segment
	// (e.g. "POST /files"). Generation, embeddings, token counting and
	// model listing are always allowed.
	PassthroughAllow []string `json:"passthrough_allow,omitempty"`
	// Unpriced is what a call on the gateway's key naming a model the
	// table does not price gets: "refuse" (the default), "free" (for a
	// local server) or "price_as", billed at the prices of UnpricedAs.
	// Each call served free or priced as another is audited with a note
	// and counted in kaine_unpriced_calls_total.
	Unpriced   string `json:"unpriced,omitempty"`
	UnpricedAs string `json:"unpriced_as,omitempty"`
}

// resolved returns p with the placeholders of its settings replaced, all
// but APIKey, which the caller keeps apart.
func (p Provider) resolved(repl *caddy.Replacer) Provider {
	resolve(repl, &p.Protocol, &p.BaseURL, &p.Model, &p.Unpriced, &p.UnpricedAs)
	p.PassthroughAllow = resolveList(repl, p.PassthroughAllow)
	return p
}

// unpriced is the provider's policy over the table.
func (p Provider) unpriced(table *routing.Table) (routing.Unpriced, error) {
	u := routing.Unpriced{Mode: p.Unpriced}
	if u.Mode != routing.UnpricedPriceAs {
		return u, nil
	}
	if u.As = table.Model(p.UnpricedAs); u.As == nil {
		return u, fmt.Errorf("unpriced price_as %s: no such model in the table", p.UnpricedAs)
	}
	if err := routing.CheckPriceAs(u.As, time.Now()); err != nil {
		return u, fmt.Errorf("unpriced price_as %s: %w; name a priced model that generates", p.UnpricedAs, err)
	}
	return u, nil
}

// knownProviders gives the defaults for the three providers Kaine knows.
var knownProviders = map[string]Provider{
	"anthropic": {Protocol: "anthropic", BaseURL: "https://api.anthropic.com", APIKey: "{env.ANTHROPIC_API_KEY}"},
	"google":    {Protocol: "gemini", BaseURL: "https://generativelanguage.googleapis.com", APIKey: "{env.GEMINI_API_KEY}"},
	"openai":    {Protocol: "openai", BaseURL: "https://api.openai.com/v1", APIKey: "{env.OPENAI_API_KEY}"},
}

var protocols = []string{routing.ProtocolAnthropic, routing.ProtocolGemini, routing.ProtocolOpenAI}

const defaultProviderTimeout = 2 * time.Minute

// withDefaults fills a provider's unset fields.
func (p Provider) withDefaults(name string) Provider {
	known, isKnown := knownProviders[name]
	if p.Protocol == "" {
		p.Protocol = routing.ProtocolOpenAI
		if isKnown {
			p.Protocol = known.Protocol
		}
	}
	if p.BaseURL == "" && isKnown {
		p.BaseURL = known.BaseURL
	}
	if p.Timeout == 0 {
		p.Timeout = caddy.Duration(defaultProviderTimeout)
	}
	return p
}

func (p Provider) validate(name string) error {
	if !validProviderName(name) {
		return fmt.Errorf("provider %q: a name is lowercase letters, digits, '-' and '_', and not v1 or files (it becomes the drop-in route /%s/)", name, name)
	}
	for _, rule := range p.PassthroughAllow {
		if _, err := parseAllowRule(rule); err != nil && !hasPlaceholder(rule) {
			return fmt.Errorf("provider %s: passthrough_allow %q: %w", name, rule, err)
		}
	}
	if i := sort.SearchStrings(protocols, p.Protocol); (i == len(protocols) || protocols[i] != p.Protocol) && !hasPlaceholder(p.Protocol) {
		return fmt.Errorf("provider %s: unknown protocol %q (known: %s)", name, p.Protocol, strings.Join(protocols, ", "))
	}
	if p.BaseURL == "" {
		return fmt.Errorf("provider %s: base_url is required for a provider Kaine does not know", name)
	}
	if err := checkURL("provider "+name+": base_url", p.BaseURL); err != nil {
		return err
	}
	if p.Timeout < 0 {
		return fmt.Errorf("provider %s: timeout must be positive", name)
	}
	switch {
	case hasPlaceholder(p.Unpriced):
	case p.Unpriced == routing.UnpricedPriceAs && p.UnpricedAs == "":
		return fmt.Errorf("provider %s: unpriced price_as needs the model to bill as", name)
	case p.Unpriced != routing.UnpricedPriceAs && p.UnpricedAs != "":
		return fmt.Errorf("provider %s: unpriced_as %q goes with unpriced price_as", name, p.UnpricedAs)
	case p.Unpriced != "" && p.Unpriced != routing.UnpricedRefuse && p.Unpriced != routing.UnpricedFree && p.Unpriced != routing.UnpricedPriceAs:
		return fmt.Errorf("provider %s: unpriced %q must be refuse, free or price_as (with unpriced_as naming the model; in a Caddyfile, price_as <model>)", name, p.Unpriced)
	}
	return nil
}

// validProviderName keeps a provider's drop-in route clear of Kaine's own
// paths and of anything that needs escaping.
func validProviderName(name string) bool {
	if name == "" || name == "v1" || name == "files" {
		return false
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// parseAllowRule reads "METHOD /path". The gateway cannot read usage from
// an endpoint it does not know, so a POST one is forwarded unmetered (and
// counted as such); other methods generate nothing.
func parseAllowRule(rule string) (handlers.AllowRule, error) {
	method, pattern, ok := strings.Cut(rule, " ")
	pattern = strings.TrimSpace(pattern)
	if !ok || method != strings.ToUpper(method) || method == "" || !strings.HasPrefix(pattern, "/") {
		return handlers.AllowRule{}, fmt.Errorf("want METHOD /path, like POST /embeddings")
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return handlers.AllowRule{}, fmt.Errorf("bad pattern: %w", err)
	}
	billing := handlers.Free
	if method == "POST" {
		billing = handlers.Unread
	}
	return handlers.AllowRule{Method: method, Pattern: pattern, Billing: billing}, nil
}
