package videos

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// fal speaks FAL's queue API: POST queue.fal.run/{model} with the model's
// input, then GET the returned status_url until COMPLETED, then GET the
// returned response_url for the output.
//
// Billing: FAL bills per second of output video at the model's rate (its
// model page gives $/s); requests that fail with a 5xx are not billed.
type fal struct {
	api
	key string
}

func (f *fal) auth(h http.Header) { h.Set("Authorization", "Key "+f.key) }

func (f *fal) secrets() []string { return []string{f.key} }

// seconds: Kling models on FAL take "5" or "10"; other models' durations
// differ per model, so the request is passed through.
func (f *fal) seconds(r Request) int {
	if isKlingModel(f.model) {
		return nearest(requested(r), 5, 10)
	}
	return requested(r)
}

// falImageField is the input field for the first frame: Kling v1–v2.x
// models take image_url, Kling 3 and 4 start_image_url (per their schemas).
func falImageField(model string) string {
	m := strings.ToLower(model)
	if isKlingModel(m) && (strings.Contains(m, "/v3") || strings.Contains(m, "/v4")) {
		return "start_image_url"
	}
	return "image_url"
}

func (f *fal) Submit(ctx context.Context, r Request) (ProviderRef, error) {
	model := modelFor(f.model, r)
	// FAL's video models take duration as a string enum ("5", "10").
	in := map[string]any{"prompt": r.Prompt, "duration": strconv.Itoa(f.seconds(r))}
	if r.ImageURL != "" {
		in[falImageField(model)] = r.ImageURL
	} else {
		in["aspect_ratio"] = "16:9"
	}
	ans, err := f.send(ctx, http.MethodPost, f.endpoint(model), in, f.auth)
	if err != nil {
		return ProviderRef{}, err
	}
	if !ans.ok() {
		return ProviderRef{}, f.refusal(ans.status, detailMessage(ans.body), f.secrets())
	}
	var q struct {
		RequestID   string `json:"request_id"`
		StatusURL   string `json:"status_url"`
		ResponseURL string `json:"response_url"`
	}
	if err := f.decode(ans, &q); err != nil {
		return ProviderRef{}, err
	}
	if q.RequestID == "" {
		return ProviderRef{}, fmt.Errorf("video provider fal: the queue answer has no request_id")
	}
	// Status and result URLs use only {owner}/{app}, not the model's full
	// path, so they are kept as returned; one on another host (where the
	// key must not go) is rebuilt on the configured one.
	ref := ProviderRef{ID: q.RequestID, StatusURL: q.StatusURL, ResponseURL: q.ResponseURL}
	if f.sameOrigin(q.StatusURL) != nil || f.sameOrigin(q.ResponseURL) != nil {
		ref.ResponseURL = f.endpoint(falApp(model) + "/requests/" + url.PathEscape(q.RequestID))
		ref.StatusURL = ref.ResponseURL + "/status"
	}
	return ref, nil
}

func (f *fal) Poll(ctx context.Context, ref ProviderRef) (Status, error) {
	if ref.StatusURL == "" || ref.ResponseURL == "" {
		return Status{}, fmt.Errorf("video provider fal: request %s has no status or response URL to poll", ref.ID)
	}
	if err := f.sameOrigin(ref.StatusURL); err != nil {
		return Status{}, err
	}
	ans, err := f.send(ctx, http.MethodGet, ref.StatusURL, nil, f.auth)
	if err != nil {
		return Status{}, err
	}
	// 202 while queued or running, 200 once completed.
	if !ans.ok() {
		return Status{}, f.refusal(ans.status, detailMessage(ans.body), f.secrets())
	}
	var st struct {
		Status    string `json:"status"`
		Error     any    `json:"error"`
		ErrorType string `json:"error_type"`
	}
	if err := f.decode(ans, &st); err != nil {
		return Status{}, err
	}
	switch st.Status {
	case "IN_QUEUE":
		return Status{State: Queued}, nil
	case "IN_PROGRESS":
		return Status{State: Running}, nil
	case "COMPLETED":
	default:
		return Status{}, fmt.Errorf("video provider fal: unknown request status %q", st.Status)
	}
	// A failed request still ends COMPLETED, with an error field (and an
	// X-Fal-Error-Type header).
	if reason := falError(st.Error, st.ErrorType, ans.header.Get("X-Fal-Error-Type")); reason != "" {
		return Status{State: Failed, Failure: clean(reason, f.secrets())}, nil
	}
	return f.result(ctx, ref)
}

// falError is the reason a completed request failed, or "" if it did not.
func falError(field any, typ, header string) string {
	switch e := field.(type) {
	case string:
		if e != "" {
			return e
		}
	case map[string]any:
		if m, ok := e["message"].(string); ok && m != "" {
			return m
		}
		return "the request failed"
	}
	if typ != "" {
		return typ
	}
	return header
}

// result fetches a completed request's output.
func (f *fal) result(ctx context.Context, ref ProviderRef) (Status, error) {
	if err := f.sameOrigin(ref.ResponseURL); err != nil {
		return Status{}, err
	}
	ans, err := f.send(ctx, http.MethodGet, ref.ResponseURL, nil, f.auth)
	if err != nil {
		return Status{}, err
	}
	if !ans.ok() {
		msg := detailMessage(ans.body)
		// The result of a failed request is a 4xx/5xx with a detail: that
		// is the job's failure. A refused key, a rate limit or a 5xx
		// without a detail is a failure to answer, tried again next poll.
		transient := ans.status == http.StatusUnauthorized || ans.status == http.StatusForbidden ||
			ans.status == http.StatusTooManyRequests || ans.status == http.StatusRequestTimeout ||
			ans.status >= 500 && msg == ""
		if transient {
			return Status{}, f.refusal(ans.status, msg, f.secrets())
		}
		if msg == "" {
			msg = http.StatusText(ans.status)
		}
		return Status{State: Failed, Failure: clean(msg, f.secrets())}, nil
	}
	var out struct {
		Video struct {
			URL string `json:"url"`
		} `json:"video"`
	}
	if err := f.decode(ans, &out); err != nil {
		return Status{}, err
	}
	if out.Video.URL == "" {
		return Status{State: Failed, Failure: "the provider returned no video"}, nil
	}
	return Status{State: Succeeded, VideoURL: out.Video.URL}, nil
}

var _ Provider = (*fal)(nil)

// falApp is the {owner}/{app} of a model path, under which FAL's queue
// keeps its requests: fal-ai/kling-video for fal-ai/kling-video/v2.1/….
func falApp(model string) string {
	parts := strings.SplitN(strings.TrimPrefix(model, "/"), "/", 3)
	if len(parts) < 2 {
		return "/" + strings.Join(parts, "/")
	}
	return "/" + parts[0] + "/" + parts[1]
}
