package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// BYOKHeader carries a caller's own provider key on the drop-in routes.
const BYOKHeader = "X-Kaine-Provider-Key"

// serveDropIn forwards one allowed request to the provider: the body as
// sent, the Kaine key swapped for the provider's, the cap reserved before
// and settled after from the usage the answer carried.
func (a *API) serveDropIn(d *DropIn, w http.ResponseWriter, r *http.Request, call *Call) {
	byoKey := r.Header.Get(BYOKHeader)
	// Taken out of the request so nothing after this handler sees them
	// (Caddy's access log copied the headers before: see docs/operating.md, "Access logs").
	for _, h := range clientKeyHeaders {
		r.Header.Del(h)
	}
	sub := d.subpath(r)
	var rule *AllowRule
	if path.Clean(sub) == sub { // no dot segments or doubled slashes past the allow-list
		rule = d.allowed(r.Method, sub)
	}
	if rule == nil {
		a.refuseUnread(w, r, CodeNotFound, r.Method+" "+r.URL.Path+" is not forwarded to "+d.Name+
			"; the operator can allow it with passthrough_allow in the provider's block.")
		return
	}
	if byoKey != "" && !headerSafe(byoKey) {
		a.refuseUnread(w, r, CodeInvalidField, BYOKHeader+" must be 1 to 512 printable characters without spaces.")
		return
	}
	if byoKey == "" && d.Key == "" && !d.Keyless {
		a.refuseUnread(w, r, CodeInvalidProvider, d.Name+" has no API key on this gateway; send your own in "+BYOKHeader+
			", or use a route whose provider has one: "+a.servingDropIns()+".")
		return
	}
	body, ok := a.readBodyUpTo(w, r, d.MaxBody, passthroughTooLarge)
	if !ok {
		return
	}
	byok := byoKey != ""
	ex := &dropInExchange{key: d.Key, sub: sub, byok: byok, clientHeader: w.Header()}
	if byok {
		ex.key = byoKey
	}
	var model *routing.Model
	switch rule.Billing {
	case Metered, Embedding:
		if model, body, ok = a.meterDropIn(d, w, r, call, ex, rule.Billing, body); !ok {
			return
		}
	case Unread: // it may cost something at the provider: a capped account may not call it
		if !a.Reserve(w, call, 0) {
			return
		}
	default: // free: the rate alone, before the provider sees the call
		if !a.CheckDueRate(w, call) {
			return
		}
	}
	call.Audit.Provider = d.Name
	ctx, cancel := context.WithCancelCause(context.WithValue(r.Context(), exchangeKey{}, ex))
	defer cancel(nil)
	if d.Timeout > 0 {
		ex.timeout = d.Timeout
		ex.silence = time.AfterFunc(d.Timeout, func() { cancel(routing.ErrTimeout) })
		defer ex.silence.Stop()
	}
	// A shallow copy: the proxy clones the request itself, and the headers
	// are the client's to change (its keys are already gone from them).
	out := r.WithContext(ctx)
	// The body is whole now: send its length, even if it came chunked.
	out.TransferEncoding = nil
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.Header.Set("Content-Length", strconv.Itoa(len(body)))
	// Deferred: the proxy aborts the handler with a panic when an answer is
	// cut mid-way, and a cut answer is still billed and audited as such.
	defer func() {
		a.settleDropIn(d, w, call, ex, rule.Billing, model, int64(len(body)), r.Context().Err() != nil)
	}()
	if ex.silence != nil {
		d.proxy.ServeHTTP(&patientWriter{ResponseWriter: w, ex: ex}, out)
		return
	}
	d.proxy.ServeHTTP(w, out)
}

// meterDropIn prepares a generation or embedding call for metering: it
// reads the request, refuses one that cannot be metered or names a retired
// model, asks an OpenAI stream for its usage, and reserves the worst case
// against the cap. It returns the model the call is priced as (nil for a
// BYOK call to an unpriced model) and the body to send.
func (a *API) meterDropIn(d *DropIn, w http.ResponseWriter, r *http.Request, call *Call, ex *dropInExchange, billing Billing, body []byte) (*routing.Model, []byte, bool) {
	// A generation call is a JSON object; anything else (truncated, an
	// array, XML) is refused here rather than half-read for a model name.
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' || !gjson.ValidBytes(body) {
		a.Errors.Write(w, CodeInvalidJSON, "The body is not a JSON object.")
		return nil, nil, false
	}
	info := inspectDropIn(d.Protocol, ex.sub, body)
	if info.duplicate != "" {
		a.Errors.Write(w, CodeInvalidJSON, "The body names \""+info.duplicate+"\" twice; send each field once.")
		return nil, nil, false
	}
	switch {
	case info.unmeterable != "":
	case longContextBeta(r):
		info.unmeterable = "the 1M-token context (anthropic-beta)"
	case billing == Embedding && embeddingHasMedia(d.Protocol, body):
		info.unmeterable = "an image or file to embed (inlineData, fileData), priced beyond its text"
	}
	switch {
	case info.model == "":
		a.Errors.Write(w, CodeMissingFields, "The request names no model.")
		return nil, nil, false
	case info.unmeterable != "" && !ex.byok:
		a.Errors.Write(w, CodeInvalidField, "The request asks for "+info.unmeterable+", which the provider bills beyond the "+
			"token prices this gateway meters; leave it out, or send your own provider key in "+BYOKHeader+".")
		return nil, nil, false
	}
	ex.at = time.Now() // one time for the retirement, the reservation and the bill
	model, ok := a.priceDropIn(d, w, ex, info.model)
	if !ok {
		return nil, nil, false
	}
	hide := false
	if d.Protocol == routing.ProtocolOpenAI && info.stream && ex.sub == "/chat/completions" {
		body, hide = askForUsage(body, info.streamOptions)
	}
	ex.meter = routing.NewMeter(d.Protocol, info.model, hide)
	maxOutput := info.maxTokens * info.choices
	if billing == Embedding {
		ex.inputTokens, maxOutput = embeddingInputTokens(d.Protocol, body), 0
	}
	if !a.Reserve(w, call, d.estimate(ex, model, int64(len(body)), maxOutput)) {
		return nil, nil, false
	}
	return model, body, true
}

// priceDropIn finds the model a call is priced as: the table's entry for
// the id it names, refused once its provider retired it, or what the
// provider's unpriced policy makes of an id the table does not price (a
// call on the caller's key may name any model). A model about to retire
// is served with the deprecation notice.
func (a *API) priceDropIn(d *DropIn, w http.ResponseWriter, ex *dropInExchange, id string) (*routing.Model, bool) {
	model, priced := d.Table.ForUpstream(d.Name, id)
	if priced {
		if err := model.Retired(ex.at); err != nil {
			a.Errors.Write(w, CodeInvalidField, err.Error()+".")
			return nil, false
		}
		setDeprecation(w.Header(), model, ex.at)
		return model, true
	}
	if ex.byok {
		return nil, true
	}
	if model, ex.unpricedNote = d.Unpriced.Model(d.Name, id); model == nil {
		a.Errors.Write(w, CodeInvalidField, "The model "+strconv.Quote(clip.Runes(id, 64))+" has no price on this gateway, so its calls cannot be metered. "+
			"GET /v1/providers lists the models of each provider; the operator can price it with a model block, or set the provider's unpriced policy.")
		return nil, false
	}
	return model, true
}

// longContextBeta reports whether an Anthropic request opts into the
// 1M-token context, whose long prompts cost more than the table says.
func longContextBeta(r *http.Request) bool {
	for _, v := range r.Header.Values("Anthropic-Beta") {
		if strings.Contains(v, "context-1m") {
			return true
		}
	}
	return false
}

// estimate is the reservation for a drop-in call: the fee on the caller's
// key, else the model's price for one token per body byte in and maxTokens
// out.
func (d *DropIn) estimate(ex *dropInExchange, model *routing.Model, bodyBytes, maxTokens int64) money.MicroUSD {
	if ex.byok {
		return d.BYOKFee
	}
	if model == nil {
		return 0
	}
	return model.PriceAt(ex.at).Cost(routing.Usage{Input: bodyBytes + 16, Output: maxTokens})
}

// Reasons a call was not metered from its usage, in audit records and the
// unmetered-calls metric.
const (
	// reasonUsageUnreadable: a generation answer without readable usage,
	// billed on an estimate.
	reasonUsageUnreadable = "usage_unreadable"
	// reasonEndpointUnread: an endpoint the operator allowed, billed nothing.
	reasonEndpointUnread = "endpoint_not_metered"
	// reasonUsageEstimated: an embedding answer without usage (Gemini's),
	// billed for the request's text at four bytes a token.
	reasonUsageEstimated = "usage_estimated"
)

// settleDropIn charges a forwarded call from the usage its answer carried.
// A call cut short (the client left, the provider broke off or went
// silent) or whose usage cannot be read is billed on an estimate, never
// $0: the usage seen so far, else four bytes a token of the prompt body
// and of what the model generated that crossed. It is audited with the
// reason.
func (a *API) settleDropIn(d *DropIn, w http.ResponseWriter, call *Call, ex *dropInExchange, billing Billing, model *routing.Model, bodyBytes int64, clientGone bool) {
	// A client that leaves once the whole answer is in cut nothing.
	clientGone = clientGone && !ex.complete
	switch {
	case clientGone:
		NoteError(w, CodeClientClosed)
	case ex.failed != nil && ex.status != 0: // the answer started, then broke
		NoteError(w, CodeProviderError)
	}
	answered := ex.status >= 200 && ex.status <= 299
	switch billing {
	case Free:
		return
	case Unread:
		if answered {
			call.Audit.AddNote(reasonEndpointUnread)
			a.unmetered(d.Name, reasonEndpointUnread)
		}
		call.Settle(0)
		return
	}
	if answered && ex.unpricedNote != "" {
		call.Audit.AddNote(ex.unpricedNote)
		a.unpricedServed(d.Name, d.Unpriced.Mode)
	}
	// Given up on before any answer: the provider may be generating still.
	abandoned := ex.status == 0 && (clientGone || errors.Is(ex.failed, routing.ErrTimeout))
	if !answered && !abandoned {
		call.Settle(0) // refused or unreachable: the provider billed nothing
		return
	}
	cut := clientGone || ex.failed != nil
	if cut && ex.json != nil {
		ex.json.cut()
	}
	res := ex.meter.Result()
	call.Audit.Model = res.Model
	u := res.Usage
	switch {
	case billing == Embedding && !res.UsageSeen:
		// An embedding is all input: its text, counted from the request.
		u.Input, u.Estimated = ex.inputTokens, true
	case cut || !res.UsageSeen:
		if generated := (ex.generatedBytes() + 3) / 4; u.Output < generated {
			u.Output, u.Estimated = generated, true
		}
		if u.PromptTokens() == 0 {
			u.Input, u.Estimated = (bodyBytes+3)/4, true
		}
	}
	call.Audit.TokensIn, call.Audit.TokensOut = u.PromptTokens(), u.Output
	switch {
	case res.UsageSeen || !answered || cut:
	case billing == Embedding:
		call.Audit.AddNote(reasonUsageEstimated)
	default:
		call.Audit.AddNote(reasonUsageUnreadable)
		a.unmetered(d.Name, reasonUsageUnreadable)
	}
	if ex.byok {
		call.Settle(d.BYOKFee)
		return
	}
	call.Settle(d.cost(model, res.Model, u, ex.at))
}

func (a *API) unmetered(provider, reason string) {
	if a.Unmetered != nil {
		a.Unmetered(provider, reason)
	}
}

func (a *API) unpricedServed(provider, policy string) {
	if a.UnpricedServed != nil {
		a.UnpricedServed(provider, policy)
	}
}

// cost prices usage at the dearer of the model the request named and the
// one the answer reports, so a request cannot be metered as one model and
// served as another.
func (d *DropIn) cost(requested *routing.Model, reportedID string, u routing.Usage, at time.Time) money.MicroUSD {
	var cost money.MicroUSD
	if requested != nil {
		cost = requested.PriceAt(at).Cost(u)
	}
	if reported, ok := d.Table.ForUpstream(d.Name, reportedID); reportedID != "" && ok {
		cost = max(cost, reported.PriceAt(at).Cost(u))
	}
	return cost
}
