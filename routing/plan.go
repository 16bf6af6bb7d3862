package routing

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keinetech/kaine/money"
)

// Errors of Plan, each wrapped with a message for the caller.
var (
	// ErrUnknownProvider: the provider (or byo_provider) names none configured.
	ErrUnknownProvider = errors.New("unknown provider")
	// ErrUnknownModel: the model is not in the table, or not on the provider asked for.
	ErrUnknownModel = errors.New("unknown model")
	// ErrNoProvider: no provider that could serve the call has a key.
	ErrNoProvider = errors.New("no provider available")
	// ErrInvalidRequest: the request is one no provider would take (a
	// malformed conversation or tool, a front's own field that would
	// replace one the gateway sets).
	ErrInvalidRequest = errors.New("invalid request")
)

// Params is one call as the caller asked for it.
type Params struct {
	Request
	TaskType string
	// Provider is "auto" (or empty) or a provider name.
	Provider string
	// Model is a model alias; empty lets the route choose.
	Model  string
	Stream bool
	// BYOKKey is the caller's own provider key: the call goes to
	// BYOKProvider (default anthropic) on it, with no failover.
	BYOKKey      string
	BYOKProvider string
}

// Plan is a call routed and priced, ready to run.
type Plan struct {
	params     Params
	candidates []candidate
	byok       bool
	// Route says how the candidates were chosen: "cheap", "default",
	// "provider", "model" or "byok".
	Route string
	// Estimate is the call's worst case: what the dearest candidate would
	// cost at max_tokens with a prompt of one token per byte. Reserve it.
	Estimate money.MicroUSD
	// at is when the call was planned: it is billed at the prices of then,
	// the ones its reservation used.
	at time.Time
	// UnpricedNote is the audit note of a call to a model the table does
	// not price, served under its provider's unpriced policy; "" otherwise.
	UnpricedNote   string
	unpricedPolicy string
}

// UnpricedPolicy is the provider's unpriced policy a call is served under
// ("free" or "price_as"), or "".
func (p *Plan) UnpricedPolicy() string { return p.unpricedPolicy }

type candidate struct {
	provider *provider
	model    *Model
}

// promptFraming bounds the tokens around each piece of a prompt (a
// message, a call, a result, a tool), beyond its bytes.
const promptFraming = 16

// imageTokenBound bounds the tokens of one image: each provider scales an
// image down to a bounded size (Anthropic's ~1,600 tokens, OpenAI's high
// detail ~1,100, Gemini's 258 a tile), whatever its bytes.
const imageTokenBound = 4096

// toolUseBound bounds the instructions a provider adds to a prompt with
// tools (Anthropic's tool-use system prompt is about 350 tokens).
const toolUseBound = 1024

// promptBound is an upper bound on the prompt's tokens: no tokenizer in use
// makes more tokens than bytes, plus a little for the framing of each
// piece. It counts the whole conversation, both a turn's native content and
// the text and calls it may be rebuilt from (only one is sent), and the
// tools' schemas.
func promptBound(req Request) int64 {
	n := len(req.System) + len(req.Prompt) + promptFraming
	for _, m := range req.Messages {
		n += promptFraming + len(m.Text)
		for _, p := range m.Parts {
			n += promptFraming + len(p.Text)
			if p.Image != nil {
				n += imageTokenBound
			}
		}
		for _, c := range m.ToolCalls {
			n += promptFraming + len(c.ID) + len(c.Name) + len(c.Input)
		}
		for _, r := range m.ToolResults {
			n += promptFraming + len(r.CallID) + len(r.Name) + len(r.Output)
		}
		if m.Native != nil {
			n += len(m.Native.Content)
		}
	}
	if len(req.Tools) > 0 {
		n += toolUseBound
	}
	for _, t := range req.Tools {
		n += promptFraming + len(t.Name) + len(t.Description) + max(len(t.Parameters), len(anthropicNoParameters))
	}
	return int64(n)
}

// maxOutput bounds the output tokens of a call: max tokens for each of the
// answers it asks for.
func (r Request) maxOutput() int64 { return int64(r.MaxTokens) * int64(max(r.Choices, 1)) }

// Plan chooses the providers and models a call may use, in order.
func (r *Router) Plan(p Params) (*Plan, error) {
	if err := checkRequest(p.Request); err != nil {
		return nil, err
	}
	auto := p.Provider == "" || p.Provider == "auto"
	if !auto && r.providers[p.Provider] == nil {
		return nil, fmt.Errorf("%w: %q; use \"auto\" or one of: %s", ErrUnknownProvider, p.Provider, r.knownProviders())
	}
	plan := &Plan{params: p, at: r.now()}
	var err error
	switch {
	case p.BYOKKey != "":
		err = r.planBYOK(plan)
	case p.Model != "" && (auto || r.table.Model(p.Model) != nil):
		err = r.planModel(plan, auto)
	case !auto: // with the provider's default model, or a model the table does not have
		err = r.planProvider(plan)
	default:
		err = r.planAuto(plan)
	}
	if err != nil {
		return nil, err
	}
	if err := keepCapable(plan); err != nil {
		return nil, err
	}
	if plan.byok {
		plan.Estimate = r.byokFee
		return plan, nil
	}
	worst := Usage{Input: promptBound(p.Request), Output: p.maxOutput()}
	for _, c := range plan.candidates {
		plan.Estimate = max(plan.Estimate, c.model.PriceAt(plan.at).Cost(worst))
	}
	return plan, nil
}

// keepCapable drops the candidates whose provider cannot serve the request
// as asked, so an auto route goes to the cheapest that can; when none can,
// the first's refusal is the call's (an *UnsupportedError).
func keepCapable(plan *Plan) error {
	var first error
	capable := plan.candidates[:0]
	for _, c := range plan.candidates {
		if err := c.provider.Client.Refuses(c.model, plan.params.Request, plan.params.Stream); err != nil {
			if u, ok := errors.AsType[*UnsupportedError](err); ok {
				u.Provider = c.provider.Name
			}
			first = cmp.Or(first, err)
			continue
		}
		capable = append(capable, c)
	}
	plan.candidates = capable
	if len(capable) == 0 {
		return first
	}
	return nil
}

func (r *Router) planBYOK(plan *Plan) error {
	name, named := plan.params.BYOKProvider, plan.params.Provider
	if named == "auto" {
		named = ""
	}
	switch {
	case name == "" && named != "":
		name = named
	case name == "" && r.table.Model(plan.params.Model) != nil: // a model named: the key is for its provider
		name = r.table.Model(plan.params.Model).Provider
	case name == "":
		name = "anthropic"
	case named != "" && named != name:
		return fmt.Errorf("%w: provider %q and byo_provider %q differ; a byo_key call goes to byo_provider", ErrUnknownProvider, named, name)
	}
	prov := r.providers[name]
	if prov == nil {
		return fmt.Errorf("%w: byo_provider %q; use one of: %s", ErrUnknownProvider, name, r.knownProviders())
	}
	plan.byok = true
	m, err := r.pickModel(prov, plan)
	if err != nil {
		return err
	}
	plan.candidates, plan.Route = []candidate{{prov, m}}, "byok"
	return nil
}

func (r *Router) planModel(plan *Plan, auto bool) error {
	m, err := r.callable(plan.params.Model, plan.at)
	if err != nil {
		return err
	}
	if !auto && m.Provider != plan.params.Provider {
		return fmt.Errorf("%w: model %s is served by %s, not %s", ErrUnknownModel, m.Alias, m.Provider, plan.params.Provider)
	}
	prov := r.providers[m.Provider]
	if !prov.configured() {
		return fmt.Errorf("%w: model %s is served by %s, which has no API key on this gateway; send your own in byo_key, or pick a model of a provider that can serve it: %s",
			ErrUnknownProvider, m.Alias, m.Provider, r.servingProviders())
	}
	plan.candidates, plan.Route = []candidate{{prov, m}}, "model"
	return nil
}

func (r *Router) planProvider(plan *Plan) error {
	prov := r.providers[plan.params.Provider]
	if !prov.configured() {
		return fmt.Errorf("%w: %s has no API key on this gateway; send your own in byo_key, or use \"auto\" or a provider that can serve it: %s",
			ErrUnknownProvider, prov.Name, r.servingProviders())
	}
	m, err := r.pickModel(prov, plan)
	if err != nil {
		return err
	}
	plan.candidates, plan.Route = []candidate{{prov, m}}, "provider"
	return nil
}

// pickModel is the model a call pinned to one provider uses: the one it
// names, else the provider's first on the task's route. A name the table
// does not have is the caller's own on a BYOK call (it pays the fee), and
// otherwise what the provider's unpriced policy makes of it.
func (r *Router) pickModel(prov *provider, plan *Plan) (*Model, error) {
	p := plan.params
	if p.Model != "" && r.table.Model(p.Model) == nil {
		if plan.byok {
			return adHocModel(prov.Name, p.Model, nil), nil
		}
		m, note := prov.Unpriced.Model(prov.Name, p.Model)
		if m == nil {
			return nil, fmt.Errorf("%w: %q is not in the model table, so its calls cannot be metered; GET /v1/providers lists the models", ErrUnknownModel, p.Model)
		}
		plan.UnpricedNote, plan.unpricedPolicy = note, prov.Unpriced.Mode
		return m, nil
	}
	if p.Model != "" {
		m, err := r.callable(p.Model, plan.at)
		if err == nil && m.Provider != prov.Name {
			err = fmt.Errorf("%w: %q is not a model of %s; GET /v1/providers lists the models", ErrUnknownModel, p.Model, prov.Name)
		}
		return m, err
	}
	m := r.modelOn(prov.Name, p.TaskType, plan.at)
	if m == nil {
		return nil, fmt.Errorf("%w: provider %s has no model in the table that it still serves", ErrNoProvider, prov.Name)
	}
	return m, nil
}

func (r *Router) planAuto(plan *Plan) error {
	route, name := r.routeFor(plan.params.TaskType)
	seen := map[string]bool{}
	var skipped []string
	for _, alias := range route {
		m := r.table.Model(alias)
		prov := r.providers[m.Provider]
		if seen[prov.Name] || m.Retired(plan.at) != nil {
			continue
		}
		seen[prov.Name] = true
		if !prov.configured() {
			skipped = append(skipped, prov.Name)
			continue
		}
		plan.candidates = append(plan.candidates, candidate{prov, m})
	}
	if len(plan.candidates) == 0 {
		return fmt.Errorf("%w: no provider on the %s route (%s) has an API key configured and a model its provider still serves (no key: %s)",
			ErrNoProvider, name, strings.Join(route, ", "), strings.Join(skipped, ", "))
	}
	plan.Route = name
	return nil
}

// callable returns the model a call names, or why it cannot be called: not
// in the table, an embedding model (which /v1/llm cannot serve), or
// retired by its provider at t.
func (r *Router) callable(name string, t time.Time) (*Model, error) {
	m := r.table.Model(name)
	switch {
	case m == nil:
		return nil, fmt.Errorf("%w: %q is not in the model table; GET /v1/providers lists the models", ErrUnknownModel, name)
	case m.Kind == KindEmbedding:
		return nil, fmt.Errorf("%w: %s is an embedding model and generates no text; send it to the embeddings endpoint of its provider's drop-in route", ErrUnknownModel, name)
	}
	if err := m.Retired(t); err != nil {
		return nil, err
	}
	if len(m.Prices) == 0 {
		return nil, fmt.Errorf("%w: %s has no price on this gateway, so its calls cannot be metered", ErrUnknownModel, name)
	}
	return m, nil
}
