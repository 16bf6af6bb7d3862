package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/keinetech/kaine/compat"
	"github.com/keinetech/kaine/routing"
)

// The headers a front's call may carry for Kaine: the task type for the
// auto route, and a caller's own provider key (BYOK) with whose it is.
const (
	TaskTypeHeader     = "X-Kaine-Task-Type"
	BYOKProviderHeader = "X-Kaine-Provider"
)

// frontParams makes the router's params of a front's call: its request,
// the target its model name reads as, the task type (the body's, else the
// header's) and a BYOK key from the headers. ok is false when a header
// was refused (and answered).
func (a *API) frontParams(w http.ResponseWriter, r *http.Request, req routing.Request, model, taskType string, stream bool) (routing.Params, bool) {
	target := compat.TargetOf(model, a.LLM.IsProvider)
	p := routing.Params{Request: req, Provider: target.Provider, Model: target.Model, Stream: stream,
		TaskType: taskType, BYOKKey: r.Header.Get(BYOKHeader), BYOKProvider: r.Header.Get(BYOKProviderHeader)}
	if p.TaskType == "" {
		p.TaskType = r.Header.Get(TaskTypeHeader)
	}
	if _, sent := r.Header[http.CanonicalHeaderKey(BYOKHeader)]; sent && !headerSafe(p.BYOKKey) {
		// The message must not repeat the key, even a malformed one.
		a.Errors.WriteParam(w, CodeInvalidField, BYOKHeader+" must be 1 to 512 printable characters without spaces.", BYOKHeader)
		return p, false
	}
	if p.BYOKKey != "" && p.BYOKProvider == "" && p.Provider != compat.Auto {
		p.BYOKProvider = p.Provider
	}
	return p, true
}

// frontWords puts /v1/llm's words in the fronts' terms: their callers send
// their own key in headers and list models at /v1/models.
var frontWords = strings.NewReplacer("byo_key", BYOKHeader, "byo_provider", BYOKProviderHeader, "GET /v1/providers", "GET /v1/models")

// writeFrontPlanError answers a call the router could not plan; param
// names a routing field as the front's request does.
func (a *API) writeFrontPlanError(w http.ResponseWriter, err error, param func(field string) string) {
	if u, ok := errors.AsType[*routing.UnsupportedError](err); ok {
		field := param(u.Field)
		a.Errors.WriteParam(w, CodeInvalidField, field+" cannot be served by "+u.Provider+": "+u.Reason+
			". Leave it out, or pick a model of a provider that serves it (GET /v1/models).", field)
		return
	}
	field := ""
	switch f, ok := errors.AsType[*routing.InvalidFieldError](err); {
	case ok:
		field = param(f.Field)
	case errors.Is(err, routing.ErrUnknownModel), errors.Is(err, routing.ErrRetired), errors.Is(err, routing.ErrUnknownProvider):
		field = "model"
	}
	e := planError(err)
	a.Errors.WriteParam(w, e.code, frontWords.Replace(e.message), field)
}

// writeFrontCallError answers a front's call that failed.
func (a *API) writeFrontCallError(w http.ResponseWriter, err error) {
	e := callError(err)
	e.message = frontWords.Replace(e.message)
	a.Errors.Send(w, e)
}

// writeFieldError answers a request a front refused.
func (a *API) writeFieldError(w http.ResponseWriter, ferr *compat.FieldError) {
	code := CodeInvalidField
	if ferr.Missing {
		code = CodeMissingFields
	}
	a.Errors.WriteParam(w, code, ferr.Error()+".", ferr.Param)
}

// frontAnswer is how a front answers a call the router made: the request's
// name for a refused field, its stream's writer, its answer's body, and
// what it notes once the call is reserved (may be nil).
type frontAnswer struct {
	param    func(field string) string
	stream   func() streamWriter
	answer   func(routing.Outcome) []byte
	reserved func()
}

// runFront plans, reserves, calls (streamed or not) and answers a front's
// call as /v1/llm runs its own, in the front's shape.
func (a *API) runFront(w http.ResponseWriter, r *http.Request, call *Call, params routing.Params, front frontAnswer) {
	plan, err := a.LLM.Plan(params)
	if err != nil {
		a.writeFrontPlanError(w, err, front.param)
		return
	}
	if !a.Reserve(w, call, plan.Estimate) {
		return
	}
	if front.reserved != nil {
		front.reserved()
	}
	if params.Stream {
		a.streamCall(w, r, call, plan, front.stream(), frontWords.Replace, nil)
		return
	}
	out, err := a.finish(w, r, call, plan)
	setLLMHeaders(w.Header(), out, call)
	if err != nil {
		a.writeFrontCallError(w, err)
		return
	}
	writeJSONBytes(w, http.StatusOK, front.answer(out))
}
