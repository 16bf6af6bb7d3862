package routing

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/keinetech/kaine/money"
)

// ProviderConfig is one upstream the router may call.
type ProviderConfig struct {
	Name     string
	Protocol string // for display only
	// Upstream is where the provider is (its base URL): its breaker counts
	// that server's failures, so a new upstream starts with a closed one.
	Upstream string
	Client   Client
	// Key is the gateway's own key for this provider; never logged.
	Key string
	// Keyless marks a provider callable without a key (a local server).
	Keyless bool
	// Timeout bounds one call, streams included. Default: 2m.
	Timeout time.Duration
	// Unpriced is what a call naming a model the table does not price gets.
	Unpriced Unpriced
}

func (p *ProviderConfig) configured() bool { return p.Key != "" || p.Keyless }

// Rules decide which models a call with provider "auto" may go to.
type Rules struct {
	// CheapTasks are the task types sent to the cheap route.
	CheapTasks []string
	// CheapRoute and DefaultRoute are model aliases, tried in order; each
	// provider is tried once per call, with its first model on the route.
	CheapRoute   []string
	DefaultRoute []string
}

// DefaultRules are the contract's: cheap text tasks to Gemini Flash first,
// everything else to Claude Sonnet first, each then to the next provider.
func DefaultRules() Rules {
	return Rules{
		CheapTasks:   []string{"caption", "summarize", "classify", "follow_up", "reply"},
		CheapRoute:   []string{"gemini-flash", "gpt-mini", "haiku"},
		DefaultRoute: []string{"sonnet", "gpt", "gemini"},
	}
}

// Observer hears what the router does, for metrics. Calls come from
// request goroutines and must not block.
type Observer interface {
	// Attempted reports one upstream call: outcome is "ok", "failed"
	// (counts against the provider), "refused" (the request's own fault)
	// or "cancelled" (the client went away).
	Attempted(provider, model, outcome string, latency time.Duration)
	// FailedOver reports a call leaving a failed provider for the next.
	FailedOver(from string)
	// Billed reports the usage and cost of a call.
	Billed(provider, model string, u Usage, cost money.MicroUSD)
}

// Options configure a Router.
type Options struct {
	Providers []ProviderConfig
	// Table is the model table. Default: DefaultModels.
	Table *Table
	Rules Rules
	// BYOKFee is what a call on the caller's own key costs them.
	BYOKFee money.MicroUSD
	// Breakers is the registry shared across configs (required).
	Breakers *Breakers
	Breaker  BreakerSettings
	Observer Observer
	// Now is the clock, for dated prices. Default: time.Now.
	Now func() time.Time
}

// Router picks providers for calls and makes them, failing over.
type Router struct {
	providers map[string]*provider
	names     []string // sorted
	table     *Table
	rules     Rules
	cheap     map[string]bool
	byokFee   money.MicroUSD
	observer  Observer
	now       func() time.Time
	live      sync.Map // provider name → *LiveModels
}

type provider struct {
	ProviderConfig
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]
}

const defaultTimeout = 2 * time.Minute

// New checks the options and returns a Router.
func New(o Options) (*Router, error) {
	if o.Breakers == nil {
		return nil, errors.New("routing: Options.Breakers is required")
	}
	if o.Table == nil {
		t, err := NewTable(DefaultModels())
		if err != nil {
			return nil, err
		}
		o.Table = t
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	r := &Router{providers: map[string]*provider{}, table: o.Table, rules: o.Rules, cheap: map[string]bool{},
		byokFee: o.BYOKFee, observer: o.Observer, now: o.Now}
	for _, pc := range o.Providers {
		if pc.Client == nil || pc.Name == "" {
			return nil, fmt.Errorf("provider %q: a name and a client are required", pc.Name)
		}
		if pc.Timeout <= 0 {
			pc.Timeout = defaultTimeout
		}
		r.providers[pc.Name] = &provider{ProviderConfig: pc, breaker: o.Breakers.get(pc.Name, pc.Upstream, o.Breaker)}
		r.names = append(r.names, pc.Name)
	}
	sort.Strings(r.names)
	for _, m := range o.Table.Models() {
		if r.providers[m.Provider] == nil {
			return nil, fmt.Errorf("model %s: provider %q is not configured (known: %s)", m.Alias, m.Provider, strings.Join(r.names, ", "))
		}
	}
	for _, route := range [][]string{o.Rules.CheapRoute, o.Rules.DefaultRoute} {
		for _, alias := range route {
			switch m := o.Table.Model(alias); {
			case m == nil:
				return nil, fmt.Errorf("route names model %q, which is not in the model table", alias)
			case m.Kind != "":
				return nil, fmt.Errorf("route names model %q, an %s model, which generates no text", alias, m.Kind)
			}
		}
	}
	for _, t := range o.Rules.CheapTasks {
		r.cheap[t] = true
	}
	return r, nil
}

// Table returns the model table the router prices with.
func (r *Router) Table() *Table { return r.table }

// routeFor returns the route a task type takes, and its name.
func (r *Router) routeFor(taskType string) ([]string, string) {
	if r.cheap[taskType] {
		return r.rules.CheapRoute, "cheap"
	}
	return r.rules.DefaultRoute, "default"
}

// modelOn returns the model a call to one named provider uses: its first
// on the task's route, else its first in the table, that generates and is
// still served at t.
func (r *Router) modelOn(providerName, taskType string, t time.Time) *Model {
	usable := func(m *Model) bool { return m.Provider == providerName && m.Kind == "" && m.Retired(t) == nil }
	route, _ := r.routeFor(taskType)
	for _, alias := range route {
		if m := r.table.Model(alias); usable(m) {
			return m
		}
	}
	for _, m := range r.table.Models() {
		if usable(m) {
			return m
		}
	}
	return nil
}

func (r *Router) knownProviders() string { return strings.Join(r.names, ", ") }

// IsProvider reports whether name is a provider of this router.
func (r *Router) IsProvider(name string) bool { return r.providers[name] != nil }

// servingProviders names the providers a call can go to on the gateway's
// keys, for a caller who pinned one that cannot serve it.
func (r *Router) servingProviders() string {
	var names []string
	for _, name := range r.names {
		if r.providers[name].configured() {
			names = append(names, name)
		}
	}
	if names == nil {
		return "none is configured"
	}
	return strings.Join(names, ", ")
}

type nopObserver struct{}

func (nopObserver) Attempted(string, string, string, time.Duration) {}
func (nopObserver) FailedOver(string)                               {}
func (nopObserver) Billed(string, string, Usage, money.MicroUSD)    {}
