package handlers

import (
	"net/http"

	"github.com/keinetech/kaine/compat"
)

// chatCompletions answers POST /v1/chat/completions: an OpenAI chat
// request to any provider, run through the router as /v1/llm runs its
// calls (plan, reserve, call with failover, settle) and answered in
// OpenAI's shape.
func (a *API) chatCompletions(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readFrontObject(w, r)
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
		a.streamCall(w, r, call, plan, compat.NewChatStream(id, created, chat.IncludeUsage), frontWords.Replace, nil)
		return
	}
	out, err := a.LLM.Do(r.Context(), plan, nil)
	a.settleLLM(call, plan, out, err)
	setLLMHeaders(w.Header(), out, call)
	if err != nil {
		a.writeFrontCallError(w, err)
		return
	}
	writeJSONBytes(w, http.StatusOK, compat.ChatCompletion(id, created, out))
}
