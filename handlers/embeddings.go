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
	obj, ok := a.readFrontObject(w, r)
	if !ok {
		return
	}
	req, ferr := compat.ReadEmbeddings(obj)
	if ferr != nil {
		a.writeFieldError(w, ferr)
		return
	}
	params, ok := a.frontParams(w, r, routing.Request{}, req.Model, "", false)
	if !ok {
		return
	}
	plan, err := a.LLM.PlanEmbed(routing.EmbedParams{EmbedRequest: req.Request, Provider: params.Provider, Model: params.Model,
		BYOKKey: params.BYOKKey, BYOKProvider: params.BYOKProvider})
	if err != nil {
		a.writeFrontPlanError(w, err, func(field string) string { return field })
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
	setCallHeaders(w.Header(), out.Provider, out.Model, out.Cost, out.Upstream, call)
	if err != nil {
		a.writeFrontCallError(w, err)
		return
	}
	writeJSONBytes(w, http.StatusOK, compat.EmbeddingsAnswer(req, out))
}
