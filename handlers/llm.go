package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// LLM routes model calls and makes them.
type LLM interface {
	Plan(p routing.Params) (*routing.Plan, error)
	Do(ctx context.Context, plan *routing.Plan, onDelta func(routing.Delta) error) (routing.Outcome, error)
	Finish(ctx context.Context, plan *routing.Plan) (routing.Outcome, error)
	Status() routing.Status
	// IsProvider reports whether name is a configured provider.
	IsProvider(name string) bool
	Count(ctx context.Context, plan *routing.Plan) (routing.Count, error)
	PlanEmbed(p routing.EmbedParams) (*routing.EmbedPlan, error)
	Embed(ctx context.Context, plan *routing.EmbedPlan) (routing.EmbedOutcome, error)
}

const (
	defaultMaxTokens   = 1024
	maxMaxTokens       = 200_000
	defaultTemperature = 0.7
	maxBYOKKeyLen      = 512
)

// llmParams reads a POST /v1/llm body, or returns the field error.
func llmParams(f *fields) routing.Params {
	p := routing.Params{
		Request: routing.Request{
			Prompt:      f.required("prompt"),
			System:      f.str("system"),
			MaxTokens:   f.integer("max_tokens", defaultMaxTokens, 1, maxMaxTokens),
			Temperature: new(f.number("temperature", defaultTemperature, 0, 2)),
		},
		TaskType:     f.str("task_type"),
		Provider:     f.str("provider"),
		Model:        f.str("model"),
		Stream:       f.boolean("stream"),
		BYOKKey:      f.str("byo_key"),
		BYOKProvider: f.str("byo_provider"),
	}
	if _, given := f.get("byo_key"); given && !headerSafe(p.BYOKKey) {
		// The message must not repeat the key, even a malformed one.
		f.fail(CodeInvalidField, "byo_key must be 1 to %d printable characters without spaces.", maxBYOKKeyLen)
	}
	return p
}

// headerSafe reports whether a key can go in an HTTP header as is.
func headerSafe(key string) bool {
	if key == "" || len(key) > maxBYOKKeyLen {
		return false
	}
	for _, c := range []byte(key) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// llm answers POST /v1/llm: route, reserve the worst case, call with
// failover, settle the real cost, answer as JSON or as an event stream.
func (a *API) llm(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := &fields{obj: obj}
	params := llmParams(f)
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	plan, err := a.LLM.Plan(params)
	if err != nil {
		a.writePlanError(w, err)
		return
	}
	if !a.Reserve(w, call, plan.Estimate) {
		return
	}
	if params.Stream {
		a.llmStream(w, r, call, plan)
		return
	}
	out, err := a.finish(w, r, call, plan)
	setLLMHeaders(w.Header(), out, call)
	if err != nil {
		a.writeCallError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, llmAnswerOf(out))
}

// finish makes a call whose answer is not streamed, to its end though its
// client leave (see routing.Router.Finish), and settles it; the record of
// an answer its client left before says so.
func (a *API) finish(w http.ResponseWriter, r *http.Request, call *Call, plan *routing.Plan) (routing.Outcome, error) {
	out, err := a.LLM.Finish(r.Context(), plan)
	a.settleLLM(call, plan, out, err)
	if err == nil && r.Context().Err() != nil {
		NoteError(w, CodeClientClosed)
	}
	return out, err
}

// settleLLM charges the call and fills its audit record; a call served
// under its provider's unpriced policy is noted and counted.
func (a *API) settleLLM(call *Call, plan *routing.Plan, out routing.Outcome, err error) {
	call.Settle(out.Cost)
	if plan.UnpricedNote != "" && err == nil {
		call.Audit.AddNote(plan.UnpricedNote)
		a.unpricedServed(out.Provider, plan.UnpricedPolicy())
	}
	call.Audit.Provider = out.Provider
	if out.Model != nil {
		call.Audit.Model = out.Model.ID
	}
	call.Audit.TokensIn, call.Audit.TokensOut = out.Usage.PromptTokens(), out.Usage.Output
	if out.Usage.Estimated {
		call.Audit.AddNote(reasonUsageEstimated)
	}
}

type llmAnswer struct {
	OK bool `json:"ok"`
	// Text is never empty in an answer (no text is generation_failed); it
	// is left out of a stream's done event, whose text came as deltas.
	Text          string         `json:"text,omitempty"`
	Provider      string         `json:"provider"`
	Model         string         `json:"model"`
	UpstreamModel string         `json:"upstream_model"`
	TokensIn      int64          `json:"tokens_in"`
	TokensOut     int64          `json:"tokens_out"`
	CostUSD       money.MicroUSD `json:"cost_usd"`
	// UsageEstimated is set when the provider reported no usage and the
	// tokens (and cost) are Kaine's estimate.
	UsageEstimated bool `json:"usage_estimated,omitempty"`
}

func llmAnswerOf(out routing.Outcome) llmAnswer {
	return llmAnswer{OK: true, Text: out.Result.Text, Provider: out.Provider, Model: out.Model.Alias,
		UpstreamModel: out.Result.Model, TokensIn: out.Usage.PromptTokens(), TokensOut: out.Usage.Output,
		CostUSD: out.Cost, UsageEstimated: out.Usage.Estimated}
}

// setLLMHeaders tells who answered, what it cost and what the gateway
// itself added to the latency.
func setLLMHeaders(h http.Header, out routing.Outcome, call *Call) {
	setCallHeaders(h, out.Provider, out.Model, out.Cost, out.Upstream, call)
}

// setCallHeaders sets the X-Kaine-* headers of any call a provider served:
// who (when a model was reached), the cost and the gateway's own latency.
func setCallHeaders(h http.Header, provider string, model *routing.Model, cost money.MicroUSD, upstream time.Duration, call *Call) {
	if model != nil {
		h.Set("X-Kaine-Provider", provider)
		h.Set("X-Kaine-Model", model.Alias)
		setDeprecation(h, model, time.Now())
	}
	h.Set("X-Kaine-Cost-USD", cost.String())
	h.Set("X-Kaine-Overhead-Ms", overheadMS(call, upstream))
}

// overheadMS is the time since the request came in, less the time spent
// waiting on providers (upstream), in milliseconds.
func overheadMS(call *Call, upstream time.Duration) string {
	d := time.Since(call.Start) - upstream
	return strconv.FormatFloat(float64(max(d, 0))/float64(time.Millisecond), 'f', 3, 64)
}

func (a *API) writePlanError(w http.ResponseWriter, err error) { a.Errors.Send(w, planError(err)) }

// planError is the answer to a call the router could not plan.
func planError(err error) *apiError {
	switch {
	case errors.Is(err, routing.ErrUnknownProvider):
		return &apiError{code: CodeInvalidProvider, message: err.Error() + "."}
	case errors.Is(err, routing.ErrUnknownModel), errors.Is(err, routing.ErrRetired), errors.Is(err, routing.ErrInvalidRequest):
		return &apiError{code: CodeInvalidField, message: err.Error() + "."}
	}
	return &apiError{code: CodeProviderError, message: err.Error() + ". GET /v1/providers shows what is configured."}
}

// callError maps a failed call to the contract's answer; a failure
// inside the gateway keeps its cause, for the log.
func callError(err error) *apiError {
	var f *routing.Failure
	if !errors.As(err, &f) {
		return internalError("The call failed inside the gateway; try again.", err)
	}
	e := &apiError{code: CodeProviderError, message: "The call could not be completed: " + f.Error() + "."}
	switch f.Kind {
	case routing.EmptyAnswer:
		e.code, e.message = CodeGenerationFailed, "The model returned no text ("+f.Error()+"). Rephrase the prompt or raise max_tokens."
	case routing.RequestRefused:
		msg := "The provider refused the request"
		if f.Upstream != nil && f.Upstream.Message != "" {
			msg += ": " + f.Upstream.Message
		}
		e.code, e.message = CodeInvalidField, msg+". Check the prompt's length and the parameters."
	case routing.KeyRefused:
		e.code, e.message = CodeInvalidField, "The provider refused your byo_key. Check that it is valid and belongs to byo_provider."
	case routing.ClientGone:
		e.code, e.message = CodeClientClosed, "The client closed the request before the answer was complete."
	}
	return e
}

func (a *API) writeCallError(w http.ResponseWriter, err error) { a.Errors.Send(w, callError(err)) }

// DeprecationHeader warns that the model called is about to be retired:
// "2026-12-11; replacement=gpt-5.4".
const DeprecationHeader = "X-Kaine-Model-Deprecation"

// setDeprecation sets DeprecationHeader when m retires within
// routing.DeprecationWindow of t.
func setDeprecation(h http.Header, m *routing.Model, t time.Time) {
	if notice := m.Deprecation(t); notice != "" {
		h.Set(DeprecationHeader, notice)
	}
}
