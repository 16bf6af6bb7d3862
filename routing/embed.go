package routing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keinetech/kaine/money"
)

// EmbedRequest is one embeddings call: texts to turn into vectors.
type EmbedRequest struct {
	Texts []string
	// Dimensions, when above 0, asks for shorter vectors (OpenAI's
	// dimensions, Gemini's outputDimensionality).
	Dimensions int
	// User is the caller's end user, for providers that take one.
	User string
	// Base64 asks for vectors as OpenAI's base64 float32s, where the
	// provider writes them so (OpenAI); others send arrays of numbers.
	Base64 bool
}

// Embeddings is an embeddings answer: one vector per text, in order, each
// as the provider sent it: a JSON array of numbers, or a JSON string of
// base64 float32s (OpenAI's, when asked for).
type Embeddings struct {
	Vectors [][]byte
	Usage   Usage
	// UsageSeen reports whether the provider counted the tokens; else
	// they are estimated at four bytes a token.
	UsageSeen bool
	Model     string
}

// Embedder is a client that embeds (OpenAI's and Gemini's).
type Embedder interface {
	Embed(ctx context.Context, key string, model *Model, req EmbedRequest) (Embeddings, error)
}

// EmbedParams is an embeddings call as the caller asked for it.
type EmbedParams struct {
	EmbedRequest
	// Provider and Model name the embedding model as for a generation
	// call: Provider "auto" (or empty) takes the model's own provider.
	Provider string
	Model    string
	// BYOKKey is the caller's own key for the model's provider;
	// BYOKProvider, when set, says whose it is, and must be that provider.
	BYOKKey      string
	BYOKProvider string
}

// EmbedPlan is an embeddings call routed and priced, ready to run.
type EmbedPlan struct {
	params   EmbedParams
	provider *provider
	model    *Model
	at       time.Time
	// Estimate is the call's worst case, one token a byte: reserve it.
	Estimate money.MicroUSD
}

// EmbedOutcome is what an embeddings call did.
type EmbedOutcome struct {
	Provider   string
	Model      *Model
	Embeddings Embeddings
	Usage      Usage
	Cost       money.MicroUSD
	Upstream   time.Duration
}

// PlanEmbed finds the embedding model a call names, on a provider that
// embeds and has a key (the gateway's or the caller's).
func (r *Router) PlanEmbed(p EmbedParams) (*EmbedPlan, error) {
	if len(p.Texts) == 0 {
		return nil, fmt.Errorf("%w: there is no text to embed", ErrInvalidRequest)
	}
	plan := &EmbedPlan{params: p, at: r.now()}
	m := r.table.Model(p.Model)
	switch {
	case m == nil:
		return nil, fmt.Errorf("%w: %q is not in the model table; GET /v1/providers lists the embedding models", ErrUnknownModel, p.Model)
	case m.Kind != KindEmbedding:
		return nil, fmt.Errorf("%w: %s generates text and makes no embeddings; pick an embedding model", ErrUnknownModel, p.Model)
	case p.Provider != "" && p.Provider != "auto" && p.Provider != m.Provider:
		return nil, fmt.Errorf("%w: model %s is served by %s, not %s", ErrUnknownModel, m.Alias, m.Provider, p.Provider)
	case p.BYOKKey != "" && p.BYOKProvider != "" && p.BYOKProvider != m.Provider:
		return nil, fmt.Errorf("%w: your own key is for %s, but model %s is served by %s", ErrUnknownProvider, p.BYOKProvider, m.Alias, m.Provider)
	}
	if err := m.Retired(plan.at); err != nil {
		return nil, err
	}
	prov := r.providers[m.Provider]
	if _, ok := prov.Client.(Embedder); !ok {
		return nil, fmt.Errorf("%w: %s makes no embeddings through Kaine", ErrUnknownProvider, prov.Name)
	}
	if p.BYOKKey == "" && !prov.configured() {
		return nil, fmt.Errorf("%w: model %s is served by %s, which has no API key on this gateway; send your own, or pick a model of a provider that can serve it: %s",
			ErrUnknownProvider, m.Alias, m.Provider, r.servingProviders())
	}
	plan.provider, plan.model = prov, m
	if p.BYOKKey != "" {
		plan.Estimate = r.byokFee
		return plan, nil
	}
	bytes := 0
	for _, t := range p.Texts {
		bytes += len(t) + promptFraming
	}
	plan.Estimate = m.PriceAt(plan.at).Cost(Usage{Input: int64(bytes)})
	return plan, nil
}

// Embed runs an embeddings plan, on one provider: the model names it.
func (r *Router) Embed(ctx context.Context, plan *EmbedPlan) (EmbedOutcome, error) {
	prov, m := plan.provider, plan.model
	out := EmbedOutcome{Provider: prov.Name, Model: m}
	key, byok := prov.Key, plan.params.BYOKKey != ""
	if byok {
		key = plan.params.BYOKKey
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, prov.Timeout, ErrTimeout)
	defer cancel()
	start := time.Now()
	emb, err := prov.Client.(Embedder).Embed(callCtx, key, m, plan.params.EmbedRequest)
	out.Upstream = time.Since(start)
	if err != nil && errors.Is(context.Cause(callCtx), ErrTimeout) {
		err = &UpstreamError{Err: ErrTimeout}
	}
	f, outcome := r.soleAttempt(ctx, byok, prov.Name, m, err)
	r.observer.Attempted(prov.Name, m.metricLabel(), outcome, out.Upstream)
	if f != nil {
		return out, f
	}
	out.Embeddings, out.Usage = emb, emb.Usage
	if !emb.UsageSeen {
		bytes := 0
		for _, t := range plan.params.Texts {
			bytes += len(t)
		}
		out.Usage = Usage{Input: int64(bytes+3) / 4, Estimated: true}
	}
	if byok {
		out.Cost = r.byokFee
	} else {
		out.Cost = m.PriceAt(plan.at).Cost(out.Usage)
	}
	r.observer.Billed(prov.Name, m.metricLabel(), out.Usage, out.Cost)
	return out, nil
}
