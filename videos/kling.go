package videos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// kling speaks Kling's official API: POST /v1/videos/text2video or
// /image2video, then GET /v1/videos/{kind}/{task_id}. Every answer is a
// {"code","message","request_id","data"} envelope; code 0 is success.
//
// Billing: Kling sells prepaid unit packs and charges a job by model, mode
// and length, which is 5 or 10 seconds: a 6-second request is made and
// billed as 5. Per-second USD is not published [uncertain]: configure it.
type kling struct {
	api
	tokens *klingTokens
}

func newKling(a api, access, secret string) *kling {
	return &kling{api: a, tokens: &klingTokens{access: access, secret: secret, now: time.Now}}
}

func (k *kling) secrets() []string {
	return []string{k.tokens.access + ":" + k.tokens.secret, k.tokens.secret, k.tokens.access}
}

// seconds: Kling's duration is the string "5" or "10".
func (k *kling) seconds(r Request) int { return nearest(requested(r), 5, 10) }

// The job families, which are also the path segments.
const (
	klingText  = "text2video"
	klingImage = "image2video"
)

func (k *kling) Submit(ctx context.Context, r Request) (ProviderRef, error) {
	kind := klingText
	in := map[string]any{"model_name": k.model, "prompt": r.Prompt, "mode": "std", "duration": strconv.Itoa(k.seconds(r))}
	if r.ImageURL != "" {
		kind = klingImage
		in["image"] = r.ImageURL
	} else {
		in["aspect_ratio"] = "16:9"
	}
	if r.Ref != "" {
		in["external_task_id"] = r.Ref
	}
	var data struct {
		TaskID string `json:"task_id"`
	}
	if err := k.call(ctx, http.MethodPost, "/v1/videos/"+kind, in, &data); err != nil {
		return ProviderRef{}, err
	}
	if data.TaskID == "" {
		return ProviderRef{}, fmt.Errorf("video provider kling: the answer has no task_id")
	}
	return ProviderRef{ID: data.TaskID, Kind: kind}, nil
}

func (k *kling) Poll(ctx context.Context, ref ProviderRef) (Status, error) {
	kind := ref.Kind
	if kind != klingImage {
		kind = klingText
	}
	var data struct {
		TaskStatus    string `json:"task_status"`
		TaskStatusMsg string `json:"task_status_msg"`
		TaskResult    struct {
			Videos []struct {
				URL string `json:"url"`
			} `json:"videos"`
		} `json:"task_result"`
	}
	if err := k.call(ctx, http.MethodGet, "/v1/videos/"+kind+"/"+url.PathEscape(ref.ID), nil, &data); err != nil {
		return Status{}, err
	}
	switch data.TaskStatus {
	case "submitted":
		return Status{State: Queued}, nil
	case "processing":
		return Status{State: Running}, nil
	case "succeed":
		if v := data.TaskResult.Videos; len(v) > 0 && v[0].URL != "" {
			return Status{State: Succeeded, VideoURL: v[0].URL}, nil
		}
		return Status{State: Failed, Failure: "the provider returned no video"}, nil
	case "failed":
		reason := data.TaskStatusMsg
		if reason == "" {
			reason = "the task failed"
		}
		return Status{State: Failed, Failure: clean(reason, k.secrets())}, nil
	}
	return Status{}, fmt.Errorf("video provider kling: unknown task status %q", data.TaskStatus)
}

// Kling's error codes that matter here.
const (
	klingTokenExpired = 1004
)

// call makes one authenticated call and unwraps the envelope into data.
// A token Kling calls expired is replaced and the call made once more: a
// refused token means nothing was started, so the retry is safe.
func (k *kling) call(ctx context.Context, method, path string, body, data any) error {
	for attempt := 0; ; attempt++ {
		tok, err := k.tokens.get()
		if err != nil {
			return fmt.Errorf("video provider kling: signing the token: %w", err)
		}
		ans, err := k.send(ctx, method, k.endpoint(path), body, func(h http.Header) { h.Set("Authorization", "Bearer "+tok) })
		if err != nil {
			return err
		}
		var env struct {
			Code    *int            `json:"code"`
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data"`
		}
		parsed := json.Unmarshal(ans.body, &env) == nil && env.Code != nil
		if parsed && *env.Code == klingTokenExpired && attempt == 0 {
			k.tokens.drop(tok)
			continue
		}
		switch {
		case !parsed && ans.ok():
			return fmt.Errorf("video provider kling: the answer is not Kling's envelope")
		case !parsed:
			return k.refusal(ans.status, plainText(ans.body), k.secrets())
		case !ans.ok() || *env.Code != 0:
			return k.codeError(ans.status, *env.Code, env.Message)
		}
		if err := json.Unmarshal(env.Data, data); err != nil {
			return fmt.Errorf("video provider kling: reading the answer: %w", err)
		}
		return nil
	}
}

// codeError turns an envelope's non-zero code into a *ProviderError. The
// code decides whether a retry can help: 1302/1303 (rate, concurrency) and
// 5000–5002 can; 1100–1102 (account, balance), also sent as 429, cannot.
func (k *kling) codeError(status, code int, msg string) *ProviderError {
	if status >= 200 && status < 300 {
		status = klingStatus(code)
	}
	e := k.refusal(status, fmt.Sprintf("%s (code %d)", msg, code), k.secrets())
	e.Retryable = code == 1302 || code == 1303 || code >= 5000 && code <= 5002
	if code >= 1000 && code <= 1004 {
		e.Status, e.Message, e.Retryable = http.StatusUnauthorized, keyRefused, false
	}
	return e
}

// klingStatus is the HTTP status Kling's docs pair with a code, for an
// error envelope that came with a 200.
func klingStatus(code int) int {
	switch {
	case code >= 1000 && code <= 1004:
		return http.StatusUnauthorized
	case code == 1103:
		return http.StatusForbidden
	case code >= 1100 && code <= 1102, code == 1302, code == 1303:
		return http.StatusTooManyRequests
	case code == 1203:
		return http.StatusNotFound
	case code == 5001:
		return http.StatusServiceUnavailable
	case code == 5002:
		return http.StatusGatewayTimeout
	case code >= 5000:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

var _ Provider = (*kling)(nil)
