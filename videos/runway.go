package videos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// runway speaks Runway's task API: POST /v1/text_to_video or
// /v1/image_to_video, then GET /v1/tasks/{id}.
//
// Billing: Runway charges credits ($0.01 each) per second of output, by
// model: gen4_turbo 5/s, gen4 12/s, gen4.5 about 25/s [uncertain].
type runway struct {
	api
	key string
}

// runwayVersion is the API version the SDK sends; the header is required.
const runwayVersion = "2024-11-06"

func (w *runway) auth(h http.Header) {
	h.Set("Authorization", "Bearer "+w.key)
	h.Set("X-Runway-Version", runwayVersion)
}

func (w *runway) secrets() []string { return []string{w.key} }

// seconds: each model has its own durations; an unknown model gets the
// request as is and the API says if it minds.
func (w *runway) seconds(r Request) int {
	d := requested(r)
	switch {
	case w.model == "gen4.5":
		return clamp(d, 2, 10)
	case strings.HasPrefix(w.model, "veo3"):
		return nearest(d, 4, 6, 8)
	case w.model == "gen4_turbo" || w.model == "gen3a_turbo":
		return nearest(d, 5, 10)
	}
	return d
}

// ratio is a landscape ratio the model accepts.
func (w *runway) ratio() string {
	if w.model == "gen3a_turbo" {
		return "1280:768"
	}
	return "1280:720"
}

func (w *runway) Submit(ctx context.Context, r Request) (ProviderRef, error) {
	path := "/v1/text_to_video"
	in := map[string]any{"model": w.model, "promptText": r.Prompt, "ratio": w.ratio(), "duration": w.seconds(r)}
	if r.ImageURL != "" {
		path = "/v1/image_to_video"
		in["promptImage"] = r.ImageURL
	}
	ans, err := w.send(ctx, http.MethodPost, w.endpoint(path), in, w.auth)
	if err != nil {
		return ProviderRef{}, err
	}
	if !ans.ok() {
		return ProviderRef{}, w.refusal(ans.status, runwayMessage(ans.body), w.secrets())
	}
	var task struct {
		ID string `json:"id"`
	}
	if err := w.decode(ans, &task); err != nil {
		return ProviderRef{}, err
	}
	if task.ID == "" {
		return ProviderRef{}, fmt.Errorf("video provider runway: the answer has no task id")
	}
	return ProviderRef{ID: task.ID}, nil
}

func (w *runway) Poll(ctx context.Context, ref ProviderRef) (Status, error) {
	ans, err := w.send(ctx, http.MethodGet, w.endpoint("/v1/tasks/"+url.PathEscape(ref.ID)), nil, w.auth)
	if err != nil {
		return Status{}, err
	}
	if !ans.ok() {
		return Status{}, w.refusal(ans.status, runwayMessage(ans.body), w.secrets())
	}
	var task struct {
		Status      string   `json:"status"`
		Output      []string `json:"output"`
		Failure     string   `json:"failure"`
		FailureCode string   `json:"failureCode"`
	}
	if err := w.decode(ans, &task); err != nil {
		return Status{}, err
	}
	switch task.Status {
	case "PENDING", "THROTTLED":
		// THROTTLED waits for the account's concurrency: still queued.
		return Status{State: Queued}, nil
	case "RUNNING":
		return Status{State: Running}, nil
	case "SUCCEEDED":
		if len(task.Output) == 0 || task.Output[0] == "" {
			return Status{State: Failed, Failure: "the provider returned no video"}, nil
		}
		return Status{State: Succeeded, VideoURL: task.Output[0]}, nil
	case "FAILED":
		reason := task.Failure
		if reason == "" {
			reason = "the task failed"
		}
		if task.FailureCode != "" {
			reason += " (" + task.FailureCode + ")"
		}
		return Status{State: Failed, Failure: clean(reason, w.secrets())}, nil
	case "CANCELLED":
		return Status{State: Failed, Failure: "the task was cancelled"}, nil
	}
	return Status{}, fmt.Errorf("video provider runway: unknown task status %q", task.Status)
}

// runwayMessage reads {"error":"…"} and, for a validation error, the
// first issue's message [the shape is not documented; this is what the
// API is seen to send].
func runwayMessage(body []byte) string {
	var e struct {
		Error  string `json:"error"`
		Issues []struct {
			Message string `json:"message"`
			Path    []any  `json:"path"`
		} `json:"issues"`
	}
	if json.Unmarshal(body, &e) != nil {
		return plainText(body)
	}
	msg := e.Error
	if len(e.Issues) > 0 && e.Issues[0].Message != "" {
		issue := e.Issues[0].Message
		if len(e.Issues[0].Path) > 0 {
			issue = fmt.Sprint(e.Issues[0].Path[0]) + ": " + issue
		}
		if msg != "" {
			msg += ": "
		}
		msg += issue
	}
	return msg
}

var _ Provider = (*runway)(nil)
