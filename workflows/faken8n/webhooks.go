package faken8n

import (
	"net/http"
)

// maxRecordedBody bounds the body a Received keeps.
const maxRecordedBody = 1 << 20

// Webhook is a scripted production webhook: an active workflow whose
// Webhook node listens for POST on its path.
type Webhook struct {
	// Status is the answer's status; default 200.
	Status int
	// ContentType defaults to JSON.
	ContentType string
	// Body defaults to n8n's answer when it responds at once:
	// {"message":"Workflow was started"}.
	Body string
	// Hang never answers, as a workflow that responds when its last node
	// finishes and never finishes.
	Hang bool
}

// SetWebhook makes a webhook listen on path (without the /webhook/
// prefix). Other paths answer 404 as n8n does for a webhook that is not
// registered.
func (s *Server) SetWebhook(path string, h Webhook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks[path] = h
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request, path string) {
	s.mu.Lock()
	h, ok := s.webhooks[path]
	s.mu.Unlock()
	if !ok || r.Method != http.MethodPost {
		writeJSON(w, http.StatusNotFound, map[string]any{
			"code":    404,
			"message": `The requested webhook "` + r.Method + ` ` + path + `" is not registered.`,
			"hint":    "The workflow must be active for a production URL to run successfully.",
		})
		return
	}
	if h.Hang {
		s.play(r.Context(), w, &Fault{Hang: true})
		return
	}
	status, contentType, body := h.Status, h.ContentType, h.Body
	if status == 0 {
		status = http.StatusOK
	}
	if contentType == "" {
		contentType = "application/json; charset=utf-8"
	}
	if body == "" {
		body = `{"message":"Workflow was started"}`
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write([]byte(body))
}
