package handlers

import (
	"net/http"

	"github.com/keinetech/kaine/compat"
)

// models answers GET /v1/models: the catalog as the OpenAI SDK lists
// models, or the Anthropic SDK does when the request says its version.
func (a *API) models(w http.ResponseWriter, r *http.Request, _ *Call) {
	anthropicShape := r.Header.Get("Anthropic-Version") != ""
	a.writeAnswer(w, func() ([]byte, error) { return compat.ModelList(a.LLM.Status(), anthropicShape) })
}
