package handlers

import (
	"net/http"
	"strconv"

	"github.com/keinetech/kaine/compat"
	"github.com/keinetech/kaine/routing"
)

// messages answers POST /v1/messages: an Anthropic Messages request to any
// provider, run through the router as /v1/llm runs its calls and answered
// in Anthropic's shape, so the Anthropic SDK (and Claude Code) can use any
// model.
func (a *API) messages(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readFrontObject(w, r)
	if !ok {
		return
	}
	msg, ferr := compat.ReadMessages(obj, false)
	if ferr != nil {
		a.writeFieldError(w, ferr)
		return
	}
	params, ok := a.frontParams(w, r, msg.Request, msg.Model, "", msg.Stream)
	if !ok {
		return
	}
	id := "msg_" + w.Header().Get("X-Request-Id")
	a.runFront(w, r, call, params, frontAnswer{
		param:  msg.Param,
		stream: func() streamWriter { return compat.NewMessagesStream(id) },
		answer: func(out routing.Outcome) []byte { return compat.MessagesAnswer(id, out) },
		reserved: func() {
			if msg.CacheHints > 0 {
				call.Audit.AddNote(strconv.Itoa(msg.CacheHints) + " cache_control breakpoints not forwarded: the unified endpoint does not carry them; the /anthropic drop-in route does")
			}
		},
	})
}

// EstimatedHeader marks a token count Kaine estimated, the provider having
// no counter of its own.
const EstimatedHeader = "X-Kaine-Tokens-Estimated"

// countTokens answers POST /v1/messages/count_tokens: the prompt tokens of
// a Messages request, counted by the provider it would go to (Anthropic's
// and Gemini's counters), or estimated for one without (OpenAI). Like the
// providers' own, it is free: rate-limited and audited, never charged.
func (a *API) countTokens(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readFrontObject(w, r)
	if !ok {
		return
	}
	msg, ferr := compat.ReadMessages(obj, true)
	if ferr != nil {
		a.writeFieldError(w, ferr)
		return
	}
	params, ok := a.frontParams(w, r, msg.Request, msg.Model, "", false)
	if !ok {
		return
	}
	plan, err := a.LLM.Plan(params)
	if err != nil {
		a.writeFrontPlanError(w, err, msg.Param)
		return
	}
	count, err := a.LLM.Count(r.Context(), plan)
	call.Audit.Provider, call.Audit.Model, call.Audit.TokensIn = count.Provider, count.Model.ID, count.Tokens
	h := w.Header()
	h.Set("X-Kaine-Provider", count.Provider)
	h.Set("X-Kaine-Model", count.Model.Alias)
	if err != nil {
		a.writeFrontCallError(w, err)
		return
	}
	if count.Estimated {
		h.Set(EstimatedHeader, "true")
		call.Audit.AddNote(reasonUsageEstimated)
	}
	writeJSONBytes(w, http.StatusOK, []byte(`{"input_tokens":`+strconv.FormatInt(count.Tokens, 10)+`}`))
}
