package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"time"

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
	// (Caddy's access log copied the headers before: see the README).
	for _, h := range clientKeyHeaders {
		r.Header.Del(h)
	}
	sub := d.subpath(r)
	var rule *AllowRule
	if path.Clean(sub) == sub { // no dot segments or doubled slashes past the allow-list
		rule = d.allowed(r.Method, sub)
	}
	if rule == nil {
		a.Errors.Write(w, CodeNotFound, r.Method+" "+r.URL.Path+" is not forwarded to "+d.Name+
			"; the operator can allow it with passthrough_allow in the provider's block.")
		return
	}
	if byoKey != "" && !headerSafe(byoKey) {
		a.Errors.Write(w, CodeInvalidField, BYOKHeader+" must be 1 to 512 printable characters without spaces.")
		return
	}
	if byoKey == "" && d.Key == "" && !d.Keyless {
		a.Errors.Write(w, CodeProviderError, d.Name+" has no API key configured on this gateway; send your own in "+BYOKHeader+".")
		return
	}
	body, ok := a.readDropInBody(d, w, r)
	if !ok {
		return
	}
	ex := &dropInExchange{key: d.Key, sub: sub}
	if byoKey != "" {
		ex.key = byoKey
	}
	var info dropInCall
	var model *routing.Model
	if rule.Metered {
		if dup := duplicateKey(body); dup != "" {
			a.Errors.Write(w, CodeInvalidJSON, "The body names \""+dup+"\" twice; send each field once.")
			return
		}
		info = inspectDropIn(d.Protocol, sub, body)
		model, _ = d.Table.ForUpstream(d.Name, info.model)
		hide := false
		if d.Protocol == "openai" && info.stream && sub == "/chat/completions" {
			body, hide = askForUsage(body)
		}
		ex.meter = routing.NewMeter(d.Protocol, info.model, hide)
		if !a.Reserve(w, call, d.estimate(byoKey != "", model, int64(len(body)), info.maxTokens)) {
			return
		}
	}
	call.Audit.Provider = d.Name
	out := r.Clone(context.WithValue(r.Context(), exchangeKey{}, ex))
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.Header.Set("Content-Length", strconv.Itoa(len(body)))
	if rule.Metered {
		// Deferred: the proxy aborts the handler with a panic when an answer
		// is cut mid-way, and a cut answer is still billed.
		defer func() {
			a.settleDropIn(d, call, ex, model, int64(len(body)), byoKey != "", r.Context().Err() != nil)
		}()
	}
	d.proxy.ServeHTTP(w, out)
}

// readDropInBody reads the request body up to the drop-in's bound.
func (a *API) readDropInBody(d *DropIn, w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	limit := "The body is larger than " + strconv.FormatInt(d.MaxBody>>20, 10) + " MiB; the operator sets the bound with passthrough_max_body."
	if r.ContentLength > d.MaxBody {
		a.Errors.Write(w, CodeBodyTooLarge, limit)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.Errors.Write(w, CodeBodyTooLarge, limit)
		return nil, false
	case err != nil:
		a.Errors.Write(w, CodeInvalidJSON, "The body could not be read: the connection failed mid-way.")
		return nil, false
	}
	return body, true
}

// estimate is the reservation for a drop-in call: the fee on the caller's
// key, else the model's price for one token per body byte in and maxTokens
// out.
func (d *DropIn) estimate(byok bool, model *routing.Model, bodyBytes, maxTokens int64) money.MicroUSD {
	if byok {
		return d.BYOKFee
	}
	if model == nil {
		return 0
	}
	return model.PriceAt(time.Now()).Cost(routing.Usage{Input: bodyBytes + 16, Output: maxTokens})
}

// Unmetered reasons, in audit records and the unmetered-calls metric.
const (
	reasonUsageUnreadable = "usage_unreadable"
	reasonModelUnpriced   = "model_unpriced"
)

// settleDropIn charges a forwarded call from the usage its answer carried.
// A call the client abandoned, or whose stream broke, with no usage seen is
// billed on an estimate (four bytes a token of prompt and delivered text);
// an answer whose usage cannot be read is billed nothing, and says why.
func (a *API) settleDropIn(d *DropIn, call *Call, ex *dropInExchange, model *routing.Model, bodyBytes int64, byok, clientGone bool) {
	res := ex.meter.Result()
	call.Audit.Model = res.Model
	ok := ex.status >= 200 && ex.status <= 299
	if !ok && !(clientGone && ex.status == 0) {
		call.Settle(0) // refused or unreachable: the provider billed nothing
		return
	}
	u, seen := res.Usage, res.UsageSeen
	cut := clientGone || ex.failed != nil
	if textTokens := int64(ex.meter.TextBytes()+3) / 4; cut && u.Output < textTokens {
		u.Output, u.Estimated, seen = textTokens, true, true
	}
	if cut && u.PromptTokens() == 0 {
		u.Input, u.Estimated, seen = (bodyBytes+3)/4, true, true
	}
	call.Audit.TokensIn, call.Audit.TokensOut = u.PromptTokens(), u.Output
	switch {
	case byok:
		call.Settle(d.BYOKFee)
	case !seen:
		call.Audit.Note = reasonUsageUnreadable
		a.unmetered(d.Name, reasonUsageUnreadable)
		call.Settle(0)
	case model == nil:
		call.Audit.Note = reasonModelUnpriced
		a.unmetered(d.Name, reasonModelUnpriced)
		call.Settle(0)
	default:
		call.Settle(d.cost(model, res.Model, u))
	}
}

func (a *API) unmetered(provider, reason string) {
	if a.Unmetered != nil {
		a.Unmetered(provider, reason)
	}
}

// cost prices usage at the dearer of the model the request named and the
// one the answer reports, so a request cannot be metered as one model and
// served as another.
func (d *DropIn) cost(requested *routing.Model, reportedID string, u routing.Usage) money.MicroUSD {
	now := time.Now()
	cost := requested.PriceAt(now).Cost(u)
	if reported, ok := d.Table.ForUpstream(d.Name, reportedID); reportedID != "" && ok {
		cost = max(cost, reported.PriceAt(now).Cost(u))
	}
	return cost
}
