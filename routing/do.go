package routing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keinetech/kaine/money"
)

// Outcome is what a call did: who answered, with what, at what cost. Do
// returns one even with an error, since a failed call may still cost
// something (a stream cut after some output).
type Outcome struct {
	Provider string
	Model    *Model
	Result   Result
	// Usage is what is billed: the provider's figures, or an estimate.
	Usage Usage
	// Cost is what the caller is charged: the token cost, or the BYOK fee.
	Cost money.MicroUSD
	// Upstream is the time spent waiting on providers, every attempt.
	Upstream time.Duration
	Attempts []Attempt
}

// Attempt is one provider tried (or skipped) for a call.
type Attempt struct {
	Provider string
	Model    string
	// Err is why it did not answer; nil for the one that did.
	Err error
}

// FailureKind says why a call failed, which decides the answer.
type FailureKind int

const (
	// ProvidersFailed: every provider tried failed, or none could be tried.
	ProvidersFailed FailureKind = iota
	// EmptyAnswer: a provider answered with no text and no tool call.
	EmptyAnswer
	// RequestRefused: the provider refused the request itself (4xx).
	RequestRefused
	// KeyRefused: the provider refused the caller's own key (BYOK).
	KeyRefused
	// ClientGone: the caller went away before the answer was complete.
	ClientGone
)

// Failure is a call that did not produce an answer. Its message names the
// providers tried and why each failed, never a key.
type Failure struct {
	Kind     FailureKind
	Attempts []Attempt
	// MidStream is set when text had already reached the caller.
	MidStream bool
	// Upstream is the refusing provider's error, for RequestRefused and
	// KeyRefused.
	Upstream *UpstreamError
}

func (f *Failure) Error() string {
	var b strings.Builder
	switch f.Kind {
	case EmptyAnswer:
		b.WriteString("the provider answered with no text")
	case RequestRefused:
		b.WriteString("the provider refused the request")
	case KeyRefused:
		b.WriteString("the provider refused your byo_key")
	case ClientGone:
		b.WriteString("the client went away")
	default:
		b.WriteString("no provider could answer")
	}
	if len(f.Attempts) > 0 {
		b.WriteString("; tried ")
		for i, a := range f.Attempts {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s (%s)", a.Provider, a.Model)
			if a.Err != nil {
				b.WriteString(": ")
				b.WriteString(a.Err.Error())
			}
		}
	}
	return b.String()
}

var errBreakerOpen = errors.New("circuit breaker open, skipped")

// Delta is one piece of a streamed answer, with who is producing it (known
// only once the first piece arrives, since the router may fail over).
type Delta struct {
	Provider string
	Model    *Model
	Chunk
}

// Do runs a plan: each candidate in turn until one answers, failing over on
// a provider's failure as long as nothing has reached the caller. With
// onDelta (a stream), each piece of the answer is handed to it as it
// arrives.
func (r *Router) Do(ctx context.Context, plan *Plan, onDelta func(Delta) error) (Outcome, error) {
	return r.do(ctx, ctx, plan, onDelta)
}

// Finish runs a plan whose answer is not streamed, as Do does, except that
// an answer asked for is read to its end though the client leave first:
// the provider bills a whole answer whether anyone waits for it or not,
// and so the call is billed what the provider bills, not a guess. The
// client leaving only stops a failover (nobody is left to answer), and
// one gone before the first attempt costs nothing.
func (r *Router) Finish(ctx context.Context, plan *Plan) (Outcome, error) {
	return r.do(context.WithoutCancel(ctx), ctx, plan, nil)
}

// do runs the attempts under callCtx, and starts none once clientCtx ends.
func (r *Router) do(callCtx, clientCtx context.Context, plan *Plan, onDelta func(Delta) error) (Outcome, error) {
	var out Outcome
	delivered := false
	for _, c := range plan.candidates {
		if clientCtx.Err() != nil {
			out.Provider, out.Model = "", nil
			return out, &Failure{Kind: ClientGone, Attempts: out.Attempts}
		}
		res, kind, outcome, err := r.attempt(callCtx, plan, c, onDelta, &delivered, &out)
		if outcome == "skipped" || outcome == "failed" && !delivered {
			if outcome == "failed" {
				r.observer.FailedOver(c.provider.Name)
			}
			continue
		}
		// A refused or failed call costs nothing; one that delivered text,
		// or that the client left after the provider took the prompt, does.
		if err == nil || delivered || kind == ClientGone {
			r.bill(&out, plan, err == nil)
		}
		switch {
		case err != nil:
			f := &Failure{Kind: kind, Attempts: out.Attempts, MidStream: delivered}
			errors.As(err, &f.Upstream)
			return out, f
		case res.Text == "" && len(res.ToolCalls) == 0 && res.Refusal == "": // tool calls alone are an answer
			return out, &Failure{Kind: EmptyAnswer, Attempts: out.Attempts}
		}
		return out, nil
	}
	out.Provider, out.Model = "", nil
	return out, &Failure{Kind: ProvidersFailed, Attempts: out.Attempts}
}

// attempt calls one candidate and reports the outcome to its breaker, even
// if the call panics (a half-open breaker waiting for a probe's outcome
// would otherwise refuse the provider for good).
func (r *Router) attempt(ctx context.Context, plan *Plan, c candidate, onDelta func(Delta) error, delivered *bool, out *Outcome) (res Result, kind FailureKind, outcome string, err error) {
	attempt := Attempt{Provider: c.provider.Name, Model: c.model.ID}
	if !plan.byok { // a caller's own key must not trip the gateway's breaker
		done, allowErr := c.provider.breaker.Allow()
		if allowErr != nil {
			attempt.Err = errBreakerOpen
			out.Attempts = append(out.Attempts, attempt)
			return res, 0, "skipped", nil
		}
		outcome = "cancelled" // what a panic reports: excluded from the counts
		defer func() {
			switch outcome {
			case "cancelled":
				done(errClientGone)
			case "refused":
				done(errRefused)
			default:
				done(err)
			}
		}()
	}
	var deltaErr error
	var deliver func(Chunk) error
	if onDelta != nil {
		deliver = func(chunk Chunk) error {
			*delivered = *delivered || !chunk.Flush // a Flush carries nothing
			deltaErr = onDelta(Delta{Provider: c.provider.Name, Model: c.model, Chunk: chunk})
			return deltaErr
		}
	}
	res, elapsed, err := r.call(ctx, plan, c, deliver)
	out.Upstream += elapsed
	out.Provider, out.Model, out.Result = c.provider.Name, c.model, res
	kind, outcome = r.classify(ctx, plan.byok, err, deltaErr)
	attempt.Err = err
	out.Attempts = append(out.Attempts, attempt)
	r.observer.Attempted(c.provider.Name, c.model.metricLabel(), outcome, elapsed)
	return res, kind, outcome, err
}

// ErrTimeout is why a call is cancelled when its provider keeps it waiting
// longer than the provider's timeout.
var ErrTimeout = errors.New("timed out")

// errRefused marks, for the breaker, a request the provider refused as the
// caller's own mistake: it neither counts as a failure nor as a success.
var errRefused = errors.New("request refused")

// call makes one upstream call. The provider's timeout bounds each wait:
// for the answer to start, and between two pieces of a stream; a long
// answer that keeps coming is never cut.
func (r *Router) call(ctx context.Context, plan *Plan, c candidate, deliver func(Chunk) error) (Result, time.Duration, error) {
	key := c.provider.Key
	if plan.byok {
		key = plan.params.BYOKKey
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timeout := c.provider.Timeout
	timer := time.AfterFunc(timeout, func() { cancel(ErrTimeout) })
	defer timer.Stop()
	start := time.Now()
	var res Result
	var err error
	req := nativeFor(plan.params.Request, c.provider.Name)
	req.checked = true // Plan checked it, and kept only candidates that take it
	if deliver != nil {
		res, err = c.provider.Client.Stream(ctx, key, c.model, req, func(chunk Chunk) error {
			timer.Reset(timeout)
			return deliver(chunk)
		})
	} else {
		res, err = c.provider.Client.Generate(ctx, key, c.model, req)
	}
	if err != nil && errors.Is(context.Cause(ctx), ErrTimeout) {
		err = &UpstreamError{Err: ErrTimeout}
	}
	return res, time.Since(start), err
}

// classify sorts an attempt's error: the failure kind if it ends the call,
// and the outcome for the breaker and metrics.
func (r *Router) classify(ctx context.Context, byok bool, err, deltaErr error) (FailureKind, string) {
	var up *UpstreamError
	switch {
	case err == nil:
		return 0, "ok"
	case ctx.Err() != nil || deltaErr != nil && errors.Is(err, deltaErr):
		return ClientGone, "cancelled"
	case errors.As(err, &up) && byok && up.Auth:
		return KeyRefused, "refused"
	case up != nil && up.CallerFault():
		return RequestRefused, "refused"
	}
	return ProvidersFailed, "failed"
}

// soleAttempt is the failure of a call made on one provider alone (a
// token count, embeddings), sorted as a model call's attempt is (ctx is
// the caller's, not the call's own timeout), with the outcome for the
// metrics; nil when err is.
func (r *Router) soleAttempt(ctx context.Context, byok bool, provider string, model *Model, err error) (*Failure, string) {
	kind, outcome := r.classify(ctx, byok, err, nil)
	if err == nil {
		return nil, outcome
	}
	f := &Failure{Kind: kind, Attempts: []Attempt{{Provider: provider, Model: model.ID, Err: err}}}
	errors.As(err, &f.Upstream)
	return f, outcome
}

// generatedBytes is what the model wrote: its text, thinking and tool
// calls, in every answer.
func generatedBytes(res Result) int {
	n := len(res.Text) + len(res.Refusal) + callBytes(res.ToolCalls)
	for _, t := range res.Thinking {
		n += len(t.Text) + len(t.Redacted)
	}
	for _, c := range res.More {
		n += len(c.Text) + callBytes(c.ToolCalls)
	}
	return n
}

func callBytes(calls []ToolCall) int {
	n := 0
	for _, c := range calls {
		n += len(c.Name) + len(c.Input)
	}
	return n
}

// bill prices what the call used. A provider that sent no usage (a cut
// stream, a local server) is billed on an estimate of four bytes a token,
// so a call that produced output is never free.
func (r *Router) bill(out *Outcome, plan *Plan, complete bool) {
	res := &out.Result
	u := res.Usage
	if !res.UsageSeen {
		u = Usage{Input: (promptBound(plan.params.Request) + 3) / 4, Estimated: true}
	}
	// An estimate never passes max_tokens, which the reservation covered.
	textTokens := min(int64(generatedBytes(*res)+3)/4, plan.params.maxOutput())
	if !complete && u.Output < textTokens {
		u.Output, u.Estimated = textTokens, true
	} else if !res.UsageSeen {
		u.Output = textTokens
	}
	out.Usage = u
	if plan.byok {
		out.Cost = r.byokFee
	} else {
		out.Cost = out.Model.PriceAt(plan.at).Cost(u)
	}
	r.observer.Billed(out.Provider, out.Model.metricLabel(), u, out.Cost)
}
