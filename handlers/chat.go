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
	id, created := "chatcmpl-"+w.Header().Get("X-Request-Id"), a.now().Unix()
	a.runFront(w, r, call, params, frontAnswer{
		param:  chat.Param,
		stream: func() streamWriter { return compat.NewChatStream(id, created, chat.IncludeUsage) },
		answer: func(out routing.Outcome) []byte { return compat.ChatCompletion(id, created, out) },
	})
}
