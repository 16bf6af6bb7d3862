package fakevideo

import (
	"net/http"
	"strings"
)

// higgsfield fakes Higgsfield's platform API:
//
//	POST /{model path}              → {"status":"queued","request_id","status_url","cancel_url"}
//	GET  /requests/{id}/status      → queued|in_progress|completed (video.url)|failed|nsfw|canceled
func (s *Server) higgsfield(w http.ResponseWriter, r *http.Request, segs []string, body []byte) {
	refuse := func(status int, detail any) { writeJSON(w, status, map[string]any{"detail": detail}) }
	if r.Header.Get("Authorization") != "Key "+s.keys.Higgsfield {
		refuse(http.StatusUnauthorized, "Invalid credentials")
		return
	}
	switch {
	case r.Method == http.MethodGet && len(segs) == 3 && segs[0] == "requests" && segs[2] == "status":
		s.higgsfieldStatus(w, r, segs[1], refuse)
	case r.Method == http.MethodPost && len(segs) >= 2:
		s.higgsfieldSubmit(w, r, strings.Join(segs, "/"), body, refuse)
	default:
		refuse(http.StatusNotFound, "Not Found")
	}
}

func (s *Server) higgsfieldSubmit(w http.ResponseWriter, r *http.Request, model string, body []byte, refuse func(int, any)) {
	invalid := func(field, msg string) {
		refuse(http.StatusUnprocessableEntity, []any{map[string]any{"loc": []string{"body", field}, "msg": msg, "type": "value_error"}})
	}
	in, ok := input(body)
	if !ok {
		refuse(http.StatusBadRequest, "Invalid JSON body")
		return
	}
	prompt, ok := text(in, "prompt")
	if !ok {
		invalid("prompt", "Field required")
		return
	}
	if _, ok := text(in, "image_url"); strings.Contains(model, "image-to-video") && !ok {
		invalid("image_url", "Field required")
		return
	}
	if d, present := in["duration"]; present {
		if _, isNum := d.(float64); !isNum {
			invalid("duration", "Input should be a valid integer")
			return
		}
	}
	if o := s.script(prompt); o.Refuse != 0 {
		if o.Refuse == http.StatusUnprocessableEntity {
			invalid("prompt", stock(o.Message, "Prompt rejected"))
		} else {
			refuse(o.Refuse, stock(o.Message, http.StatusText(o.Refuse)))
		}
		return
	}
	j := s.newJob("higgsfield", "", model, prompt, "")
	writeJSON(w, http.StatusOK, s.higgsfieldDoc(r, j, "queued"))
}

func (s *Server) higgsfieldDoc(r *http.Request, j *job, status string) map[string]any {
	base := host(r) + "/higgsfield/requests/" + j.id
	return map[string]any{"status": status, "request_id": j.id, "status_url": base + "/status", "cancel_url": base + "/cancel"}
}

func (s *Server) higgsfieldStatus(w http.ResponseWriter, r *http.Request, id string, refuse func(int, any)) {
	j, st, ok := s.poll("higgsfield", id)
	if !ok {
		refuse(http.StatusNotFound, "Request not found")
		return
	}
	var doc map[string]any
	switch {
	case st == queued:
		doc = s.higgsfieldDoc(r, j, "queued")
	case st == running:
		doc = s.higgsfieldDoc(r, j, "in_progress")
	case j.outcome.NSFW:
		doc = s.higgsfieldDoc(r, j, "nsfw")
	case j.outcome.Cancel:
		doc = s.higgsfieldDoc(r, j, "canceled")
	case j.failure() != "":
		doc = s.higgsfieldDoc(r, j, "failed")
		doc["error"] = j.failure()
	default:
		doc = s.higgsfieldDoc(r, j, "completed")
		doc["video"] = map[string]any{"url": VideoURL("higgsfield", j.id)}
	}
	writeJSON(w, http.StatusOK, doc)
}
