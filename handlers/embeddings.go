package handlers

import (
	"net/http"

	"github.com/keinetech/kaine/compat"
	"github.com/keinetech/kaine/routing"
)

// embeddings answers POST /v1/embeddings: OpenAI's request to an OpenAI
// or Gemini embedding model, reserved, metered and audited like a chat
// call, answered in OpenAI's shape.
func (a *API) embeddings(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	req, ferr := compat.ReadEmbeddings(obj)
	if ferr != nil {
		a.writeFieldError(w, ferr)
		return
	}
	target := compat.TargetOf(req.Model, a.LLM.IsProvider)
	byoKey := r.Header.Get(BYOKHeader)
	if _, sent := r.Header[http.CanonicalHeaderKey(BYOKHeader)]; sent && !headerSafe(byoKey) {
		a.Errors.WriteParam(w, CodeInvalidField, BYOKHeader+" must be 1 to 512 printable characters without spaces.", BYOKHeader)
		return
	}
	plan, err := a.LLM.PlanEmbed(routing.EmbedParams{EmbedRequest: req.Request, Provider: target.Provider, Model: target.Model, BYOKKey: byoKey})
	if err != nil {
		a.writeFrontPlanError(w, err, func(u *routing.UnsupportedError) string { return u.Field })
		return
	}
	if !a.Reserve(w, call, plan.Estimate) {
		return
	}
	out, err := a.LLM.Embed(r.Context(), plan)
	call.Settle(out.Cost)
	call.Audit.Provider, call.Audit.Model, call.Audit.TokensIn = out.Provider, out.Model.ID, out.Usage.Input
	if out.Usage.Estimated {
		call.Audit.AddNote(reasonUsageEstimated)
	}
	h := w.Header()
	h.Set("X-Kaine-Provider", out.Provider)
	h.Set("X-Kaine-Model", out.Model.ID)
	h.Set("X-Kaine-Cost-USD", out.Cost.String())
	h.Set("X-Kaine-Overhead-Ms", overheadMS(call, routing.Outcome{Upstream: out.Upstream}))
	if err != nil {
		a.writeCallError(w, err)
		return
	}
	writeJSONBytes(w, http.StatusOK, compat.EmbeddingsAnswer(req, out))
}
