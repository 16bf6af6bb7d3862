package videos

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// higgsfield speaks Higgsfield's platform API: POST {base}/{model path}
// with the model's input, then GET {base}/requests/{id}/status, whose
// document carries the result.
//
// Billing: Higgsfield charges credits per generation, by model and length;
// per-second USD is not published [uncertain]: configure it per model.
type higgsfield struct {
	api
	key string // KEY_ID:KEY_SECRET
}

func (h *higgsfield) auth(hd http.Header) { hd.Set("Authorization", "Key "+h.key) }

func (h *higgsfield) secrets() []string {
	id, secret, _ := splitPair(h.key)
	return []string{h.key, secret, id}
}

// seconds: Kling models take 5 or 10 seconds; DoP makes 5 [uncertain];
// other models get the request as is.
func (h *higgsfield) seconds(r Request) int {
	switch {
	case isKlingModel(h.model):
		return nearest(requested(r), 5, 10)
	case containsFold(h.model, "/dop/"):
		return 5
	}
	return requested(r)
}

func (h *higgsfield) Submit(ctx context.Context, r Request) (ProviderRef, error) {
	model := modelFor(h.model, r)
	in := map[string]any{"prompt": r.Prompt, "duration": h.seconds(r)}
	if r.ImageURL != "" {
		in["image_url"] = r.ImageURL
	} else {
		in["aspect_ratio"] = "16:9"
	}
	ans, err := h.send(ctx, http.MethodPost, h.endpoint(model), in, h.auth)
	if err != nil {
		return ProviderRef{}, err
	}
	if !ans.ok() {
		// 403 is "not enough credits": shown as the provider says it.
		return ProviderRef{}, h.refusal(ans.status, detailMessage(ans.body), h.secrets())
	}
	var q struct {
		RequestID string `json:"request_id"`
		StatusURL string `json:"status_url"`
	}
	if err := h.decode(ans, &q); err != nil {
		return ProviderRef{}, err
	}
	if q.RequestID == "" {
		return ProviderRef{}, fmt.Errorf("video provider higgsfield: the answer has no request_id")
	}
	ref := ProviderRef{ID: q.RequestID, StatusURL: q.StatusURL}
	if q.StatusURL != "" && h.sameOrigin(q.StatusURL) != nil {
		// The job is taken; its status lives at the documented path on the
		// configured host, where the key may go (never to another host).
		ref.StatusURL = ""
	}
	return ref, nil
}

func (h *higgsfield) Poll(ctx context.Context, ref ProviderRef) (Status, error) {
	target := ref.StatusURL
	if target == "" {
		target = h.endpoint("/requests/" + url.PathEscape(ref.ID) + "/status")
	} else if err := h.sameOrigin(target); err != nil {
		return Status{}, err
	}
	ans, err := h.send(ctx, http.MethodGet, target, nil, h.auth)
	if err != nil {
		return Status{}, err
	}
	if !ans.ok() {
		return Status{}, h.refusal(ans.status, detailMessage(ans.body), h.secrets())
	}
	var st struct {
		Status string `json:"status"`
		Video  struct {
			URL string `json:"url"`
		} `json:"video"`
	}
	if err := h.decode(ans, &st); err != nil {
		return Status{}, err
	}
	switch st.Status {
	case "queued":
		return Status{State: Queued}, nil
	case "in_progress":
		return Status{State: Running}, nil
	case "completed":
		if st.Video.URL == "" {
			return Status{State: Failed, Failure: "the provider returned no video"}, nil
		}
		return Status{State: Succeeded, VideoURL: st.Video.URL}, nil
	case "failed":
		// The failure's field is not documented; error, detail and
		// message are tried in turn.
		reason := detailMessage(ans.body)
		if reason == "" {
			reason = "the generation failed"
		}
		return Status{State: Failed, Failure: clean(reason, h.secrets())}, nil
	case "nsfw":
		return Status{State: Failed, Failure: "the provider's content filter rejected the video (nsfw)"}, nil
	case "canceled":
		return Status{State: Failed, Failure: "the request was canceled"}, nil
	}
	return Status{}, fmt.Errorf("video provider higgsfield: unknown request status %q", st.Status)
}

var _ Provider = (*higgsfield)(nil)
