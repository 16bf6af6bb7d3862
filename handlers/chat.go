package handlers

import (
	"net/http"

	"github.com/keinetech/kaine/compat"
	"github.com/keinetech/kaine/routing"
)

// chatCompletions answers POST /v1/chat/completions: an OpenAI chat
// request to any provider, run through the router as /v1/llm runs its
// calls (plan, reserve, call with failover, settle) and answered in
// OpenAI's shape.
func (a *API) chatCompletions(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	chat, ferr := compat.ReadChat(obj)
	if ferr != nil {
		a.writeFieldError(w, ferr)
		return
	}
	params, ok := a.frontParams(w, r, chat.Request, chat.Model, chat.TaskType, chat.Stream)
	if !ok {
		return
	}
	plan, err := a.LLM.Plan(params)
	if err != nil {
		a.writeFrontPlanError(w, err, chat.Param)
		return
	}
	if !a.Reserve(w, call, plan.Estimate) {
		return
	}
	id, created := "chatcmpl-"+w.Header().Get("X-Request-Id"), a.now().Unix()
	if chat.Stream {
		a.frontStream(w, r, call, plan, compat.NewChatStream(id, created, chat.IncludeUsage))
		return
	}
	out, err := a.LLM.Do(r.Context(), plan, nil)
	a.settleLLM(call, plan, out, err)
	setLLMHeaders(w.Header(), out, call)
	if err != nil {
		a.writeCallError(w, err)
		return
	}
	a.writeAnswer(w, func() ([]byte, error) { return compat.ChatCompletion(id, created, out) })
}

// writeAnswer writes a front's answer, or Kaine's fault if it cannot be
// encoded (it always can: the fronts encode strings and numbers).
func (a *API) writeAnswer(w http.ResponseWriter, encode func() ([]byte, error)) {
	body, err := encode()
	if err != nil {
		a.Errors.Write(w, CodeInternal, "The answer could not be encoded; try again.")
		return
	}
	writeJSONBytes(w, http.StatusOK, body)
}

// streamWriter writes a front's stream: its events for each piece of the
// answer, for its end, and for a failure once started.
type streamWriter interface {
	Delta(dst []byte, d routing.Delta) []byte
	End(dst []byte, out routing.Outcome) []byte
	Error(dst, body []byte) []byte
}

// frontStream runs a streamed call of a front. Until the first piece of
// the answer nothing is sent, so the router may still fail over and a
// failure is a plain error the SDK raises; after it, a failure ends the
// stream with an error event.
func (a *API) frontStream(w http.ResponseWriter, r *http.Request, call *Call, plan *routing.Plan, stream streamWriter) {
	rc := http.NewResponseController(w)
	started := false
	var buf []byte
	send := func(d routing.Delta) error {
		if !started {
			started = true
			startStream(w, d)
		}
		buf = stream.Delta(buf[:0], d)
		if len(buf) == 0 {
			return nil
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		return rc.Flush()
	}
	out, err := a.LLM.Do(r.Context(), plan, send)
	a.settleLLM(call, plan, out, err)
	if !started && err != nil {
		setLLMHeaders(w.Header(), out, call)
		a.writeCallError(w, err)
		return
	}
	if !started { // an answer without a piece to stream: a refusal alone
		send(routing.Delta{Provider: out.Provider, Model: out.Model})
	}
	h := w.Header() // trailers, declared in startStream
	h.Set("X-Kaine-Cost-USD", out.Cost.String())
	h.Set("X-Kaine-Overhead-Ms", overheadMS(call, out))
	if err != nil {
		code, message := callError(err)
		buf = stream.Error(buf[:0], a.Errors.Body(w, code, message))
	} else {
		buf = stream.End(buf[:0], out)
	}
	w.Write(buf)
	rc.Flush()
}
