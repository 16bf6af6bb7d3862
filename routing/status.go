package routing

import (
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/keinetech/kaine/money"
)

// ProviderStatus is one provider as GET /v1/providers shows it.
type ProviderStatus struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	// Configured: it has a key (or needs none).
	Configured bool `json:"configured"`
	// Available: configured and its breaker is not open, so auto routing
	// would try it now.
	Available bool `json:"available"`
	// Breaker is "closed", "half-open" or "open".
	Breaker string        `json:"breaker"`
	Models  []ModelStatus `json:"models"`
	// Unpriced is what a call naming a model without a price gets:
	// "refuse", "free" or "price_as <model>".
	Unpriced string `json:"unpriced"`
	// LiveModels compares the provider's own model list with the table;
	// absent until the list was first read.
	LiveModels *LiveModels `json:"live_models,omitempty"`
}

// LiveModels is what a provider's own model list said when last read.
type LiveModels struct {
	CheckedAt time.Time `json:"checked_at"`
	// Error says why the last read failed; the lists are then an earlier
	// read's, or empty.
	Error string `json:"error,omitempty"`
	// Unpriced are models the provider serves that no price covers.
	Unpriced []string `json:"unpriced"`
	// Unserved are models priced here that the provider no longer lists.
	Unserved []string `json:"unserved"`
}

// ModelStatus is a model with the price in force now, USD per million tokens.
type ModelStatus struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	// Kind is "embedding" for a model that only embeds.
	Kind         string         `json:"kind,omitempty"`
	Input        money.MicroUSD `json:"input_usd_per_mtok"`
	Output       money.MicroUSD `json:"output_usd_per_mtok"`
	CacheRead    money.MicroUSD `json:"cache_read_usd_per_mtok"`
	CacheWrite   money.MicroUSD `json:"cache_write_usd_per_mtok"`
	CacheWrite1h money.MicroUSD `json:"cache_write_1h_usd_per_mtok"`
	// LongPrompt is the price of a call whose prompt passes
	// LongPromptTokens, if the model has one.
	LongPromptTokens int64  `json:"long_prompt_tokens,omitempty"`
	LongPrompt       *Rates `json:"long_prompt,omitempty"`
	// NextPrice is a price change already announced, if any.
	NextPrice *Price `json:"next_price,omitempty"`
	// Retires is the day the provider stops serving the model, Retired
	// whether that day has come; Replacement is what replaces it.
	Retires     string `json:"retires,omitempty"`
	Retired     bool   `json:"retired,omitempty"`
	Replacement string `json:"replacement,omitempty"`
}

// RouteStep is one model on a route, with whether auto routing would try it now.
type RouteStep struct {
	Model     string `json:"model"`
	Provider  string `json:"provider"`
	Available bool   `json:"available"`
}

// RoutingStatus explains how "auto" chooses.
type RoutingStatus struct {
	Auto         string         `json:"auto"`
	CheapTasks   []string       `json:"cheap_task_types"`
	CheapRoute   []RouteStep    `json:"cheap_route"`
	DefaultRoute []RouteStep    `json:"default_route"`
	BYOKFee      money.MicroUSD `json:"byok_fee_usd"`
}

// Status is everything a caller needs to see why a call went where it did.
type Status struct {
	Providers []ProviderStatus `json:"providers"`
	Routing   RoutingStatus    `json:"routing"`
}

const autoExplained = "A call with provider \"auto\" (the default) whose task_type is one of cheap_task_types " +
	"goes to the cheap route, any other call to the default route. Each route is tried in order, one model per " +
	"provider, skipping providers that are not configured or whose breaker is open; a provider that fails " +
	"(connection error, timeout, 429, 5xx, 529) hands the call to the next, as long as nothing has been sent " +
	"to the client yet. Naming a provider or a model pins the call to it, without failover."

// Status reports the providers, their breakers and the routing rules now.
func (r *Router) Status() Status {
	now := r.now()
	s := Status{Routing: RoutingStatus{
		Auto:         autoExplained,
		CheapTasks:   r.rules.CheapTasks,
		CheapRoute:   r.routeStatus(r.rules.CheapRoute),
		DefaultRoute: r.routeStatus(r.rules.DefaultRoute),
		BYOKFee:      r.byokFee,
	}}
	for _, name := range r.names {
		p := r.providers[name]
		ps := ProviderStatus{Name: name, Protocol: p.Protocol, Configured: p.configured(), Available: p.available(),
			Breaker: p.breaker.State().String(), Models: []ModelStatus{}, Unpriced: p.Unpriced.String()}
		if live, ok := r.live.Load(name); ok {
			ps.LiveModels = live.(*LiveModels)
		}
		for _, m := range r.table.Models() {
			if m.Provider == name {
				ps.Models = append(ps.Models, modelStatus(m, now))
			}
		}
		s.Providers = append(s.Providers, ps)
	}
	return s
}

func (r *Router) routeStatus(route []string) []RouteStep {
	steps := make([]RouteStep, 0, len(route))
	for _, alias := range route {
		m := r.table.Model(alias)
		p := r.providers[m.Provider]
		steps = append(steps, RouteStep{Model: alias, Provider: m.Provider, Available: p.available()})
	}
	return steps
}

// available reports whether auto routing would try the provider now.
func (p *provider) available() bool {
	return p.configured() && p.breaker.State() != gobreaker.StateOpen
}

func modelStatus(m *Model, now time.Time) ModelStatus {
	cur := m.PriceAt(now)
	var next *Price
	today := now.UTC().Format(time.DateOnly)
	for i := range m.Prices {
		if m.Prices[i].From > today {
			next = &m.Prices[i]
			break
		}
	}
	return ModelStatus{ID: m.ID, Aliases: m.Aliases, Kind: m.Kind, Input: cur.Input, Output: cur.Output, CacheRead: cur.CacheRead,
		CacheWrite: cur.CacheWrite, CacheWrite1h: cur.CacheWrite1h, LongPromptTokens: cur.LongPromptTokens, LongPrompt: cur.LongPrompt,
		NextPrice: next, Retires: m.Retires, Retired: m.Retired(now) != nil, Replacement: m.Replacement}
}

// SetLiveModels records what a provider's own model list said, for Status.
func (r *Router) SetLiveModels(provider string, live *LiveModels) { r.live.Store(provider, live) }

// PricedIDs are the ids the table has for a provider, retired ones too.
func (r *Router) PricedIDs(provider string) []string {
	var ids []string
	for _, m := range r.table.Models() {
		if m.Provider == provider {
			ids = append(ids, m.ID)
		}
	}
	return ids
}
