package videos

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestFALSendsTheModelInputAndPollsTheReturnedURLs(t *testing.T) {
	cases := []struct {
		name       string
		r          Request
		model      string
		path       string
		wantFields map[string]any
	}{
		{"text", Request{Prompt: "waves", Duration: 6}, "",
			"/fal-ai/kling-video/v2.1/standard/text-to-video",
			map[string]any{"prompt": "waves", "duration": "5", "aspect_ratio": "16:9"}},
		{"image", Request{Prompt: "waves", ImageURL: "https://x/i.png", Duration: 9}, "",
			"/fal-ai/kling-video/v2.1/standard/image-to-video",
			map[string]any{"prompt": "waves", "duration": "10", "image_url": "https://x/i.png"}},
		{"kling v4 start frame", Request{Prompt: "waves", ImageURL: "https://x/i.png"}, "fal-ai/kling-video/v4/image-to-video",
			"/fal-ai/kling-video/v4/image-to-video",
			map[string]any{"prompt": "waves", "duration": "5", "start_image_url": "https://x/i.png"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f, FAL, Config{Model: c.model})
			ref, err := p.Submit(context.Background(), c.r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Poll(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
			calls := f.CallsTo(FAL)
			if len(calls) != 3 {
				t.Fatalf("%d calls, want submit, status, result", len(calls))
			}
			submit := calls[0]
			if submit.Method != "POST" || submit.Path != c.path || submit.Header.Get("Authorization") != "Key "+testKeys.FAL {
				t.Fatalf("submit %s %s %q", submit.Method, submit.Path, submit.Header.Get("Authorization"))
			}
			var body map[string]any
			if err := json.Unmarshal(submit.Body, &body); err != nil {
				t.Fatal(err)
			}
			if len(body) != len(c.wantFields) {
				t.Fatalf("body %v, want %v", body, c.wantFields)
			}
			for k, v := range c.wantFields {
				if body[k] != v {
					t.Fatalf("body %v, want %v", body, c.wantFields)
				}
			}
			// The status and result URLs are the returned ones: owner/app only.
			owner := "/" + strings.Join(strings.Split(strings.TrimPrefix(c.path, "/"), "/")[:2], "/")
			if calls[1].Path != owner+"/requests/"+ref.ID+"/status" || calls[2].Path != owner+"/requests/"+ref.ID {
				t.Fatalf("polled %s then %s", calls[1].Path, calls[2].Path)
			}
		})
	}
}

func TestFALMapsItsQueueStatuses(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		header string
		want   State
		fail   string
	}{
		{"queued", 202, `{"status":"IN_QUEUE","queue_position":2}`, "", Queued, ""},
		{"in progress", 202, `{"status":"IN_PROGRESS","logs":[]}`, "", Running, ""},
		{"error string", 200, `{"status":"COMPLETED","error":"boom","error_type":"x"}`, "", Failed, "boom"},
		{"error object", 200, `{"status":"COMPLETED","error":{"message":"no faces"}}`, "", Failed, "no faces"},
		{"header only", 200, `{"status":"COMPLETED"}`, "internal_error", Failed, "internal_error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := stubServer(t, c.status, c.body, map[string]string{"X-Fal-Error-Type": c.header})
			p, err := New(FAL, Config{APIKey: "k", BaseURL: srv.URL}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			st, err := p.Poll(context.Background(), ProviderRef{ID: "r", StatusURL: srv.URL + "/a/b/requests/r/status", ResponseURL: srv.URL + "/a/b/requests/r"})
			if err != nil || st.State != c.want || st.Failure != c.fail {
				t.Fatalf("got %+v %v", st, err)
			}
		})
	}
}
