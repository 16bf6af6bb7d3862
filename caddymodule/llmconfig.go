package caddymodule

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// ModelConfig changes a model of the catalog, points a name at another
// model, or adds one; unset fields keep the catalog's value. It is keyed
// by a name: a model's id or alias changes that model; with an ID of
// another model, the name becomes an alias of that one (added to the
// catalog when it is not there).
type ModelConfig struct {
	// Provider serves the model; required for a model new to the catalog,
	// unless the name already pointed at one of the same provider.
	Provider string `json:"provider,omitempty"`
	// ID is the provider's id for the model. Default: the model the name
	// already is, else the name itself.
	ID string `json:"id,omitempty"`
	// Prices in USD per million tokens; each replaces that price in every
	// entry of the model's schedule. InputUSD is the prompt's.
	InputUSD *money.MicroUSD `json:"input_usd,omitempty"`
	// OutputUSD is the answer's, thinking included.
	OutputUSD *money.MicroUSD `json:"output_usd,omitempty"`
	// CacheReadUSD is a prompt token read from the provider's cache.
	CacheReadUSD *money.MicroUSD `json:"cache_read_usd,omitempty"`
	// CacheWriteUSD is a prompt token written to the cache (Anthropic's
	// 5-minute cache); CacheWrite1hUSD to Anthropic's 1-hour cache.
	CacheWriteUSD   *money.MicroUSD `json:"cache_write_usd,omitempty"`
	CacheWrite1hUSD *money.MicroUSD `json:"cache_write_1h_usd,omitempty"`
	// NoTemperature: the model refuses a temperature or top_p; neither is
	// sent. The flags below are routing.Model's fields of the same names.
	NoTemperature *bool `json:"no_temperature,omitempty"`
	// MaxTemperature caps the temperature sent, in (0, 2] (Anthropic's
	// models take at most 1).
	MaxTemperature *float64 `json:"max_temperature,omitempty"`
	// MaxCompletionTokens: send max_completion_tokens, not max_tokens
	// (OpenAI's GPT-5 family and reasoning models).
	MaxCompletionTokens *bool `json:"max_completion_tokens,omitempty"`
	// DisableThinking: send thinkingBudget 0 (Gemini 2.5 Flash and
	// Flash-Lite), so a cheap call does not pay for thoughts.
	DisableThinking *bool `json:"disable_thinking,omitempty"`
	// AdaptiveThinking: ask for thinking as {"type":"adaptive"} (Claude
	// 5.x, which refuses a fixed budget).
	AdaptiveThinking *bool `json:"adaptive_thinking,omitempty"`
	// ThinkingLevel: tell the model how hard to think by a level, not a
	// budget (Gemini 3).
	ThinkingLevel *bool `json:"thinking_level,omitempty"`
	// Reasoning: an OpenAI reasoning model, which takes reasoning_effort.
	Reasoning *bool `json:"reasoning,omitempty"`
	// ReasoningEffort is the effort sent to a reasoning model: minimal,
	// low, medium or high.
	ReasoningEffort *string `json:"reasoning_effort,omitempty"`
	// Retires moves the day (YYYY-MM-DD) the model is refused from, for a
	// provider that serves it longer than announced; "never" (or "")
	// re-enables a retired model (it needs prices, then).
	Retires *string `json:"retires,omitempty"`
	// Replacement is the model a retired one's callers are pointed to.
	Replacement *string `json:"replacement,omitempty"`
}

// Routing sets how "auto" chooses, the BYOK fee and the breakers.
type Routing struct {
	// CheapTasks are the task types sent to the cheap route. Default:
	// caption, summarize, classify, follow_up, reply.
	CheapTasks []string `json:"cheap_tasks,omitempty"`
	// CheapRoute is the cheap tasks' model aliases in the order tried.
	// Default: gemini-flash gpt-mini haiku.
	CheapRoute []string `json:"cheap_route,omitempty"`
	// DefaultRoute is every other task's. Default: sonnet gpt gemini.
	DefaultRoute []string `json:"default_route,omitempty"`
	// BYOKFeeUSD is what a call on the caller's own key costs. Default: 0.0005.
	BYOKFeeUSD *money.MicroUSD `json:"byok_fee_usd,omitempty"`
	// BreakerFailures in a row open a provider's breaker. Default: 5.
	BreakerFailures uint32 `json:"breaker_failures,omitempty"`
	// BreakerOpen is how long an open breaker waits before a probe. Default: 30s.
	BreakerOpen caddy.Duration `json:"breaker_open,omitempty"`
}

const defaultBYOKFee = money.MicroUSD(500)

// retiresNever lifts a model's shutdown day.
const retiresNever = "never"

// modelTable builds the table: the embedded catalog, one entry per
// OpenAI-compatible provider's own model (free unless priced), then the
// Caddyfile's model blocks in name order.
func (a *App) modelTable() (*routing.Table, error) {
	c := catalogEdit{models: routing.DefaultModels()}
	for _, name := range sortedKeys(a.Providers) {
		p := a.Providers[name]
		if p.Model == "" {
			continue
		}
		if c.find(p.Model) >= 0 {
			return nil, fmt.Errorf("provider %s: model %q is already a model name; price it in a model block instead", name, p.Model)
		}
		c.models = append(c.models, routing.Model{Provider: name, ID: p.Model, Prices: []routing.Price{{}}})
	}
	for _, name := range sortedKeys(a.Models) {
		// Checked here, at Provision, before the table's own checks (which
		// name the model's id, not the block): a JSON config is refused
		// as its Caddyfile would be.
		if err := a.Models[name].validate(name); err != nil {
			return nil, err
		}
		if err := c.apply(name, a.Models[name]); err != nil {
			return nil, fmt.Errorf("model %s: %w", name, err)
		}
	}
	return routing.NewTable(c.models)
}

// catalogEdit is the model list while the config's changes are applied.
type catalogEdit struct{ models []routing.Model }

// find returns the index of the model whose id or alias is name, or -1.
func (c *catalogEdit) find(name string) int {
	return slices.IndexFunc(c.models, func(m routing.Model) bool { return m.ID == name || slices.Contains(m.Aliases, name) })
}

// apply makes one model block's change: to the model the name is, or,
// when the block names another id, to that model, the name becoming its
// alias.
func (c *catalogEdit) apply(name string, mc ModelConfig) error {
	named := c.find(name)
	target := named
	switch {
	case mc.ID != "" && (named < 0 || c.models[named].ID != mc.ID):
		if named >= 0 && c.models[named].ID == name {
			return fmt.Errorf("%s is the id of a model; to point a name at %s, give the block a name of its own", name, mc.ID)
		}
		if other := c.find(mc.ID); other >= 0 && c.models[other].ID != mc.ID {
			return fmt.Errorf("id %s is a name of %s, not a provider's id", mc.ID, c.models[other].ID)
		}
		if target = c.find(mc.ID); target < 0 {
			provider := mc.Provider
			if provider == "" && named >= 0 {
				provider = c.models[named].Provider
			}
			if provider == "" {
				return errors.New("a model new to the catalog needs a provider")
			}
			c.models = append(c.models, routing.Model{Provider: provider, ID: mc.ID, Prices: []routing.Price{{}}})
			target = len(c.models) - 1
		}
		if named >= 0 {
			m := &c.models[named]
			m.Aliases = slices.DeleteFunc(slices.Clone(m.Aliases), func(a string) bool { return a == name })
		}
		if name != mc.ID {
			c.models[target].Aliases = append(slices.Clone(c.models[target].Aliases), name)
		}
	case named < 0:
		if mc.Provider == "" {
			return errors.New("a model new to the catalog needs a provider (and an id, when it is not the block's name)")
		}
		c.models = append(c.models, routing.Model{Provider: mc.Provider, ID: name, Prices: []routing.Price{{}}})
		target = len(c.models) - 1
	}
	mc.apply(&c.models[target])
	return nil
}

func (mc ModelConfig) apply(m *routing.Model) {
	if mc.Provider != "" {
		m.Provider = mc.Provider
	}
	if mc.ID != "" {
		m.ID = mc.ID
	}
	// A price set here applies to every entry of the model's schedule, so a
	// dated change already in the table is kept; a model re-enabled after
	// its retirement may have had none.
	m.Prices = slices.Clone(m.Prices)
	if len(m.Prices) == 0 && (mc.InputUSD != nil || mc.OutputUSD != nil) {
		m.Prices = []routing.Price{{}}
	}
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
	setIf(&m.ThinkingLevel, mc.ThinkingLevel)
	setIf(&m.Reasoning, mc.Reasoning)
	setIf(&m.ReasoningEffort, mc.ReasoningEffort)
	setIf(&m.Retires, mc.Retires)
	if m.Retires == retiresNever {
		m.Retires = ""
	}
	setIf(&m.Replacement, mc.Replacement)
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
	case routing.ProtocolAnthropic:
		return routing.NewAnthropic(p.BaseURL, hc), nil
	case routing.ProtocolGemini:
		return routing.NewGemini(p.BaseURL, hc), nil
	case routing.ProtocolOpenAI:
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
