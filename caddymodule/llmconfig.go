package caddymodule

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// ModelConfig adds a model to the table or changes one of the defaults;
// unset fields keep the default's value.
type ModelConfig struct {
	Provider string `json:"provider,omitempty"`
	ID       string `json:"id,omitempty"`
	// Prices in USD per million tokens; each replaces that price in every
	// entry of the model's schedule.
	InputUSD        *money.MicroUSD `json:"input_usd,omitempty"`
	OutputUSD       *money.MicroUSD `json:"output_usd,omitempty"`
	CacheReadUSD    *money.MicroUSD `json:"cache_read_usd,omitempty"`
	CacheWriteUSD   *money.MicroUSD `json:"cache_write_usd,omitempty"`
	CacheWrite1hUSD *money.MicroUSD `json:"cache_write_1h_usd,omitempty"`
	// Capability flags, as in the model table.
	NoTemperature       *bool    `json:"no_temperature,omitempty"`
	MaxTemperature      *float64 `json:"max_temperature,omitempty"`
	MaxCompletionTokens *bool    `json:"max_completion_tokens,omitempty"`
	DisableThinking     *bool    `json:"disable_thinking,omitempty"`
	AdaptiveThinking    *bool    `json:"adaptive_thinking,omitempty"`
	ReasoningEffort     *string  `json:"reasoning_effort,omitempty"`
}

// Routing sets how "auto" chooses, the BYOK fee and the breakers.
type Routing struct {
	// CheapTasks are the task types sent to the cheap route. Default:
	// caption, summarize, classify, follow_up, reply.
	CheapTasks []string `json:"cheap_tasks,omitempty"`
	// CheapRoute and DefaultRoute are model aliases in the order tried.
	// Defaults: gemini-flash gpt-mini haiku; sonnet gpt gemini.
	CheapRoute   []string `json:"cheap_route,omitempty"`
	DefaultRoute []string `json:"default_route,omitempty"`
	// BYOKFeeUSD is what a call on the caller's own key costs. Default: 0.0005.
	BYOKFeeUSD *money.MicroUSD `json:"byok_fee_usd,omitempty"`
	// BreakerFailures in a row open a provider's breaker. Default: 5.
	BreakerFailures uint32 `json:"breaker_failures,omitempty"`
	// BreakerOpen is how long an open breaker waits before a probe. Default: 30s.
	BreakerOpen caddy.Duration `json:"breaker_open,omitempty"`
}

const defaultBYOKFee = money.MicroUSD(500)

// modelTable builds the table: the embedded defaults, the Caddyfile's
// changes and additions, then one entry per OpenAI-compatible provider's
// own model (free unless priced in a model block).
func (a *App) modelTable() (*routing.Table, error) {
	models := routing.DefaultModels()
	index := map[string]int{}
	for i, m := range models {
		index[m.Alias] = i
	}
	for _, name := range sortedKeys(a.Providers) {
		p := a.Providers[name]
		if p.Model == "" {
			continue
		}
		if _, taken := index[p.Model]; taken {
			return nil, fmt.Errorf("provider %s: model %q is already a model alias; name it in a model block instead", name, p.Model)
		}
		index[p.Model] = len(models)
		models = append(models, routing.Model{Alias: p.Model, Provider: name, ID: p.Model, Prices: []routing.Price{{}}})
	}
	for _, alias := range sortedKeys(a.Models) {
		mc := a.Models[alias]
		i, exists := index[alias]
		if !exists {
			if mc.Provider == "" || mc.ID == "" {
				return nil, fmt.Errorf("model %s: a new model needs a provider and an id", alias)
			}
			i = len(models)
			models = append(models, routing.Model{Alias: alias, Prices: []routing.Price{{}}})
		}
		mc.apply(&models[i])
	}
	return routing.NewTable(models)
}

func (mc ModelConfig) apply(m *routing.Model) {
	if mc.Provider != "" {
		m.Provider = mc.Provider
	}
	if mc.ID != "" {
		m.ID = mc.ID
	}
	// A price set here applies to every entry of the model's schedule, so a
	// dated change already in the table is kept.
	m.Prices = slices.Clone(m.Prices)
	for i := range m.Prices {
		p := &m.Prices[i]
		setIf(&p.Input, mc.InputUSD)
		setIf(&p.Output, mc.OutputUSD)
		setIf(&p.CacheRead, mc.CacheReadUSD)
		setIf(&p.CacheWrite, mc.CacheWriteUSD)
		setIf(&p.CacheWrite1h, mc.CacheWrite1hUSD)
	}
	setIf(&m.NoTemperature, mc.NoTemperature)
	setIf(&m.MaxTemperature, mc.MaxTemperature)
	setIf(&m.MaxCompletionTokens, mc.MaxCompletionTokens)
	setIf(&m.DisableThinking, mc.DisableThinking)
	setIf(&m.AdaptiveThinking, mc.AdaptiveThinking)
	setIf(&m.ReasoningEffort, mc.ReasoningEffort)
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// rules fills the routing rules from the defaults.
func (rc *Routing) rules() routing.Rules {
	r := routing.DefaultRules()
	if rc == nil {
		return r
	}
	if len(rc.CheapTasks) > 0 {
		r.CheapTasks = rc.CheapTasks
	}
	if len(rc.CheapRoute) > 0 {
		r.CheapRoute = rc.CheapRoute
	}
	if len(rc.DefaultRoute) > 0 {
		r.DefaultRoute = rc.DefaultRoute
	}
	return r
}

func (rc *Routing) byokFee() money.MicroUSD {
	if rc == nil || rc.BYOKFeeUSD == nil {
		return defaultBYOKFee
	}
	return *rc.BYOKFeeUSD
}

func (rc *Routing) breaker() routing.BreakerSettings {
	if rc == nil {
		return routing.BreakerSettings{}
	}
	return routing.BreakerSettings{Failures: rc.BreakerFailures, OpenFor: time.Duration(rc.BreakerOpen)}
}

// newClient returns the wire-protocol client for a provider.
func newClient(p Provider, hc *http.Client) (routing.Client, error) {
	switch p.Protocol {
	case "anthropic":
		return routing.NewAnthropic(p.BaseURL, hc), nil
	case "gemini":
		return routing.NewGemini(p.BaseURL, hc), nil
	case "openai":
		return routing.NewOpenAI(p.BaseURL, hc), nil
	}
	return nil, fmt.Errorf("unknown protocol %q", p.Protocol)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
