package fakevideo

import (
	"fmt"
	"net/http"
	"slices"
)

// klingModels are the model_name values the fake accepts.
var klingModels = []string{"kling-v1", "kling-v1-6", "kling-v2-master", "kling-v2-1-master", "kling-v2-5-turbo"}

// kling fakes Kling's official API, every answer in the
// {"code","message","request_id","data"} envelope:
//
//	POST /v1/videos/text2video, /v1/videos/image2video   → data.task_id, task_status submitted
//	GET  /v1/videos/{kind}/{task_id or external_task_id} → submitted|processing|succeed|failed
func (s *Server) kling(w http.ResponseWriter, r *http.Request, segs []string, body []byte) {
	s.mu.Lock()
	rid := fmt.Sprintf("req-%d", len(s.calls))
	s.mu.Unlock()
	fail := func(status, code int, msg string) {
		writeJSON(w, status, map[string]any{"code": code, "message": msg, "request_id": rid})
	}
	if code := verifyKling(r.Header.Get("Authorization"), s.keys.KlingAccess, s.keys.KlingSecret, s.clock()); code != 0 {
		fail(http.StatusUnauthorized, code, map[int]string{
			klingAuthFailed: "Authentication failed", klingAuthEmpty: "Authorization is empty",
			klingAuthInvalid: "Authorization is invalid", klingAuthTooEarly: "Authorization is not yet valid",
			klingAuthExpired: "Authorization has expired",
		}[code])
		return
	}
	if len(segs) < 3 || segs[0] != "v1" || segs[1] != "videos" || (segs[2] != "text2video" && segs[2] != "image2video") {
		fail(http.StatusNotFound, 1203, "Resource not found")
		return
	}
	kind := segs[2]
	switch {
	case r.Method == http.MethodPost && len(segs) == 3:
		s.klingSubmit(w, kind, body, rid, fail)
	case r.Method == http.MethodGet && len(segs) == 4:
		s.klingTask(w, kind, segs[3], rid, fail)
	default:
		fail(http.StatusNotFound, 1203, "Resource not found")
	}
}

func (s *Server) klingSubmit(w http.ResponseWriter, kind string, body []byte, rid string, fail func(int, int, string)) {
	invalid := func(msg string) { fail(http.StatusBadRequest, 1201, msg) }
	in, ok := input(body)
	if !ok {
		fail(http.StatusBadRequest, 1200, "Invalid request body")
		return
	}
	model := "kling-v1"
	if v, present := in["model_name"]; present {
		model, _ = v.(string)
	}
	if !slices.Contains(klingModels, model) {
		fail(http.StatusNotFound, 1203, "model_name is not supported")
		return
	}
	prompt, hasPrompt := text(in, "prompt")
	if kind == "text2video" && !hasPrompt {
		invalid("prompt is required")
		return
	}
	if _, ok := text(in, "image"); kind == "image2video" && !ok {
		invalid("image is required")
		return
	}
	if d, present := in["duration"]; present {
		// duration is a string: the number 5 is refused.
		if ds, _ := d.(string); ds != "5" && ds != "10" {
			invalid("duration must be \"5\" or \"10\"")
			return
		}
	}
	if m, present := in["mode"]; present && m != "std" && m != "pro" {
		invalid("mode must be std or pro")
		return
	}
	if a, present := in["aspect_ratio"]; present && a != "16:9" && a != "9:16" && a != "1:1" {
		invalid("aspect_ratio must be 16:9, 9:16 or 1:1")
		return
	}
	if o := s.script(prompt); o.Refuse != 0 {
		switch o.Refuse {
		case http.StatusUnauthorized:
			fail(http.StatusUnauthorized, klingAuthFailed, stock(o.Message, "Authentication failed"))
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			fail(http.StatusBadRequest, 1301, stock(o.Message, "Prompt triggers the content policy"))
		case http.StatusTooManyRequests:
			fail(http.StatusTooManyRequests, 1302, stock(o.Message, "API request too frequent"))
		default:
			fail(o.Refuse, 5000, stock(o.Message, "Server internal error"))
		}
		return
	}
	external, _ := in["external_task_id"].(string)
	j := s.newJob("kling", kind, model, prompt, external)
	ms := j.created.UnixMilli()
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "message": "SUCCEED", "request_id": rid, "data": map[string]any{
		"task_id": j.id, "task_status": "submitted", "task_info": map[string]any{"external_task_id": external},
		"created_at": ms, "updated_at": ms}})
}

func (s *Server) klingTask(w http.ResponseWriter, kind, id, rid string, fail func(int, int, string)) {
	j, st, ok := s.poll("kling", id)
	if !ok {
		j, st, ok = s.klingByExternal(id)
	}
	if !ok || j.kind != kind {
		fail(http.StatusNotFound, 1203, "Task not found")
		return
	}
	ms := j.created.UnixMilli()
	data := map[string]any{"task_id": j.id, "task_info": map[string]any{"external_task_id": j.external},
		"created_at": ms, "updated_at": ms}
	switch {
	case st == queued:
		data["task_status"] = "submitted"
	case st == running:
		data["task_status"] = "processing"
	case j.failure() != "":
		data["task_status"], data["task_status_msg"] = "failed", j.failure()
	default:
		data["task_status"] = "succeed"
		data["task_result"] = map[string]any{"videos": []any{map[string]any{
			"id": "vid-" + j.id, "url": VideoURL("kling", j.id), "duration": "5"}}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "message": "SUCCEED", "request_id": rid, "data": data})
}

// klingByExternal finds a job by its external_task_id and counts a poll.
func (s *Server) klingByExternal(external string) (*job, stage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		if j.provider == "kling" && j.external != "" && j.external == external {
			return j, j.step(), true
		}
	}
	return nil, 0, false
}
