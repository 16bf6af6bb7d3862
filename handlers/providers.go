package handlers

import "net/http"

// providers answers GET /v1/providers: every provider with its state,
// models and prices, and how auto routing chooses between them.
func (a *API) providers(w http.ResponseWriter, _ *http.Request, _ *Call) {
	WriteJSON(w, http.StatusOK, a.LLM.Status())
}
