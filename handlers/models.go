package handlers

import (
	"net/http"

	"github.com/keinetech/kaine/compat"
)

// models answers GET /v1/models: the catalog as the OpenAI SDK lists
// models, or the Anthropic SDK does.
func (a *API) models(w http.ResponseWriter, r *http.Request, _ *Call) {
	body, err := compat.ModelList(a.LLM.Status(), fromAnthropicSDK(r))
	a.writeEncoded(w, body, err)
}

// model answers GET /v1/models/{id}: one model (or alias, or auto).
func (a *API) model(w http.ResponseWriter, r *http.Request, _ *Call) {
	id := r.PathValue("id")
	body, ok, err := compat.Model(a.LLM.Status(), id, fromAnthropicSDK(r))
	if !ok && err == nil {
		a.Errors.WriteParam(w, CodeNotFound, "There is no model "+id+" on this gateway; GET /v1/models lists them.", "model")
		return
	}
	a.writeEncoded(w, body, err)
}

// writeEncoded writes a JSON answer, or Kaine's fault if it could not be
// encoded.
func (a *API) writeEncoded(w http.ResponseWriter, body []byte, err error) {
	if err != nil {
		a.Errors.Internal(w, err, "The answer could not be encoded; try again.")
		return
	}
	writeJSONBytes(w, http.StatusOK, body)
}
