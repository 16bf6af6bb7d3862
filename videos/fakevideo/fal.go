package fakevideo

import (
	"net/http"
	"strings"
)

// fal fakes FAL's queue API:
//
//	POST /{model path}                         submit → IN_QUEUE with status_url, response_url
//	GET  /{owner}/{app}/requests/{id}/status   202 IN_QUEUE | IN_PROGRESS, 200 COMPLETED
//	GET  /{owner}/{app}/requests/{id}          the output
//
// Like the real queue, the status and result URLs carry only the model's
// owner/app, not its sub-path.
func (s *Server) fal(w http.ResponseWriter, r *http.Request, segs []string, body []byte) {
	refuse := func(status int, detail any) { writeJSON(w, status, map[string]any{"detail": detail}) }
	if r.Header.Get("Authorization") != "Key "+s.keys.FAL {
		refuse(http.StatusUnauthorized, "No user found for Key ID and Secret")
		return
	}
	switch {
	case r.Method == http.MethodPost:
		s.falSubmit(w, r, strings.Join(segs, "/"), body, refuse)
	case r.Method == http.MethodGet && len(segs) == 5 && segs[2] == "requests" && segs[4] == "status":
		s.falStatus(w, r, segs)
	case r.Method == http.MethodGet && len(segs) == 4 && segs[2] == "requests":
		s.falResult(w, segs)
	default:
		refuse(http.StatusNotFound, "Not Found")
	}
}

func (s *Server) falSubmit(w http.ResponseWriter, r *http.Request, model string, body []byte, refuse func(int, any)) {
	invalid := func(field, msg string) {
		refuse(http.StatusUnprocessableEntity, []any{map[string]any{"loc": []string{"body", field}, "msg": msg, "type": "value_error"}})
	}
	in, ok := input(body)
	if !ok {
		refuse(http.StatusUnprocessableEntity, "Invalid JSON body")
		return
	}
	prompt, ok := text(in, "prompt")
	if !ok {
		invalid("prompt", "Field required")
		return
	}
	if d, present := in["duration"]; present {
		ds, isString := d.(string)
		switch {
		case !isString:
			invalid("duration", "Input should be '5' or '10'")
			return
		case strings.Contains(model, "kling") && ds != "5" && ds != "10":
			invalid("duration", "Input should be '5' or '10'")
			return
		}
	}
	if strings.Contains(model, "image-to-video") {
		field := "image_url"
		if strings.Contains(model, "/v3") || strings.Contains(model, "/v4") {
			field = "start_image_url"
		}
		if _, ok := text(in, field); !ok {
			invalid(field, "Field required")
			return
		}
	}
	if o := s.script(prompt); o.Refuse != 0 {
		if o.Refuse == http.StatusUnprocessableEntity {
			invalid("prompt", stock(o.Message, "Prompt violates the content policy"))
		} else {
			refuse(o.Refuse, stock(o.Message, http.StatusText(o.Refuse)))
		}
		return
	}
	segs := strings.Split(model, "/")
	if len(segs) < 2 {
		refuse(http.StatusNotFound, "Application not found")
		return
	}
	j := s.newJob("fal", "", model, prompt, "")
	app := host(r) + "/fal/" + segs[0] + "/" + segs[1] + "/requests/" + j.id
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "IN_QUEUE", "request_id": j.id, "queue_position": 0,
		"status_url": app + "/status", "response_url": app, "cancel_url": app + "/cancel",
	})
}

// falJob finds the job of a status or result path, which must name the
// job's own owner/app.
func (s *Server) falJob(segs []string, count bool) (*job, stage, bool) {
	find := s.peek
	if count {
		find = s.poll
	}
	j, st, ok := find("fal", segs[3])
	if !ok || !strings.HasPrefix(j.model, segs[0]+"/"+segs[1]+"/") && j.model != segs[0]+"/"+segs[1] {
		return nil, 0, false
	}
	return j, st, true
}

func (s *Server) falStatus(w http.ResponseWriter, r *http.Request, segs []string) {
	j, st, ok := s.falJob(segs, true)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Request not found"})
		return
	}
	switch st {
	case queued:
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "IN_QUEUE", "request_id": j.id, "queue_position": 0})
	case running:
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "IN_PROGRESS", "request_id": j.id, "logs": []any{}})
	default:
		doc := map[string]any{"status": "COMPLETED", "request_id": j.id, "logs": []any{},
			"metrics": map[string]any{"inference_time": 41.2}}
		if reason := j.failure(); reason != "" && !j.outcome.FALErrorInResultOnly {
			doc["error"], doc["error_type"] = reason, "generation_error"
			w.Header().Set("X-Fal-Error-Type", "generation_error")
		}
		writeJSON(w, http.StatusOK, doc)
	}
}

func (s *Server) falResult(w http.ResponseWriter, segs []string) {
	j, st, ok := s.falJob(segs, false)
	switch {
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Request not found"})
	case st != done:
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Request is still in progress"})
	case j.failure() != "":
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{
			map[string]any{"loc": []string{"body"}, "msg": j.failure(), "type": "generation_error"}}})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"video": map[string]any{
			"url": VideoURL("fal", j.id), "content_type": "video/mp4", "file_name": "out.mp4", "file_size": 1234567}})
	}
}
