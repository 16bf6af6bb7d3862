package fakevideo

import (
	"math"
	"net/http"
	"slices"
	"time"
)

// runwayVersion is the one API version the fake accepts.
const runwayVersion = "2024-11-06"

// runwayModel is what one model accepts.
type runwayModel struct {
	durations []int // allowed seconds; the range lo..hi when rangeOK
	rangeOK   bool
	ratios    []string
	imageOnly bool // only /v1/image_to_video
	imageToo  bool // /v1/image_to_video too
}

var runwayModels = map[string]runwayModel{
	"gen4.5":      {durations: []int{2, 10}, rangeOK: true, ratios: []string{"1280:720", "720:1280"}, imageToo: true},
	"veo3.1":      {durations: []int{4, 6, 8}, ratios: []string{"1280:720", "720:1280"}, imageToo: true},
	"veo3.1_fast": {durations: []int{4, 6, 8}, ratios: []string{"1280:720", "720:1280"}, imageToo: true},
	"gen4_turbo":  {durations: []int{5, 10}, ratios: []string{"1280:720", "720:1280"}, imageOnly: true, imageToo: true},
	"gen3a_turbo": {durations: []int{5, 10}, ratios: []string{"1280:768", "768:1280"}, imageOnly: true, imageToo: true},
}

// runway fakes Runway's task API:
//
//	POST /v1/text_to_video, /v1/image_to_video   → {"id"}
//	GET  /v1/tasks/{id}                          → PENDING|THROTTLED|RUNNING|SUCCEEDED|FAILED|CANCELLED
func (s *Server) runway(w http.ResponseWriter, r *http.Request, segs []string, body []byte) {
	fail := func(status int, msg string) { writeJSON(w, status, map[string]any{"error": msg}) }
	if r.Header.Get("Authorization") != "Bearer "+s.keys.Runway {
		fail(http.StatusUnauthorized, "Invalid API key")
		return
	}
	if r.Header.Get("X-Runway-Version") != runwayVersion {
		fail(http.StatusBadRequest, "The X-Runway-Version header is required and must be "+runwayVersion)
		return
	}
	switch {
	case r.Method == http.MethodPost && len(segs) == 2 && segs[0] == "v1" && (segs[1] == "text_to_video" || segs[1] == "image_to_video"):
		s.runwaySubmit(w, segs[1] == "image_to_video", body, fail)
	case r.Method == http.MethodGet && len(segs) == 3 && segs[0] == "v1" && segs[1] == "tasks":
		s.runwayTask(w, segs[2], fail)
	default:
		fail(http.StatusNotFound, "Not found")
	}
}

func (s *Server) runwaySubmit(w http.ResponseWriter, image bool, body []byte, fail func(int, string)) {
	invalid := func(field, msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Validation of body failed",
			"issues": []any{map[string]any{"path": []string{field}, "message": msg}}})
	}
	in, ok := input(body)
	if !ok {
		fail(http.StatusBadRequest, "Invalid JSON body")
		return
	}
	name, _ := in["model"].(string)
	m, known := runwayModels[name]
	if !known || image && !m.imageToo || !image && m.imageOnly {
		invalid("model", "Invalid model for this endpoint")
		return
	}
	prompt, hasPrompt := text(in, "promptText")
	if !image && !hasPrompt {
		invalid("promptText", "Required")
		return
	}
	if image {
		switch v := in["promptImage"].(type) {
		case string:
			if v == "" {
				invalid("promptImage", "Required")
				return
			}
		case []any:
			if len(v) == 0 {
				invalid("promptImage", "Required")
				return
			}
		default:
			invalid("promptImage", "Required")
			return
		}
	}
	d, isNum := in["duration"].(float64)
	okDuration := isNum && d == math.Trunc(d)
	if okDuration && m.rangeOK {
		okDuration = int(d) >= m.durations[0] && int(d) <= m.durations[1]
	} else if okDuration {
		okDuration = slices.Contains(m.durations, int(d))
	}
	if !okDuration {
		invalid("duration", "Invalid duration for model "+name)
		return
	}
	if ratio, _ := in["ratio"].(string); !slices.Contains(m.ratios, ratio) {
		invalid("ratio", "Invalid ratio for model "+name)
		return
	}
	if o := s.script(prompt); o.Refuse != 0 {
		switch o.Refuse {
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			invalid("promptText", stock(o.Message, "Prompt rejected"))
		default:
			fail(o.Refuse, stock(o.Message, http.StatusText(o.Refuse)))
		}
		return
	}
	kind := "text_to_video"
	if image {
		kind = "image_to_video"
	}
	j := s.newJob("runway", kind, name, prompt, "")
	writeJSON(w, http.StatusOK, map[string]any{"id": j.id})
}

func (s *Server) runwayTask(w http.ResponseWriter, id string, fail func(int, string)) {
	j, st, ok := s.poll("runway", id)
	if !ok {
		fail(http.StatusNotFound, "Task not found")
		return
	}
	doc := map[string]any{"id": j.id, "createdAt": j.created.UTC().Format(time.RFC3339)}
	switch {
	case st == queued && j.outcome.Throttled:
		doc["status"] = "THROTTLED"
	case st == queued:
		doc["status"] = "PENDING"
	case st == running:
		doc["status"], doc["progress"] = "RUNNING", 0.5
	case j.outcome.Cancel:
		doc["status"] = "CANCELLED"
	case j.failure() != "":
		doc["status"], doc["failure"], doc["failureCode"] = "FAILED", j.failure(), "INTERNAL.BAD_OUTPUT"
		if j.outcome.NSFW {
			doc["failureCode"] = "SAFETY.INPUT.TEXT"
		}
	default:
		doc["status"], doc["output"] = "SUCCEEDED", []string{VideoURL("runway", j.id)}
	}
	writeJSON(w, http.StatusOK, doc)
}
