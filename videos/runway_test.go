package videos

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/keinetech/kaine/videos/fakevideo"
)

func TestRunwaySendsItsHeadersAndBody(t *testing.T) {
	cases := []struct {
		name  string
		model string
		r     Request
		path  string
		want  map[string]any
	}{
		{"text", "", Request{Prompt: "a fox", Duration: 12}, "/v1/text_to_video",
			map[string]any{"model": "gen4.5", "promptText": "a fox", "ratio": "1280:720", "duration": 10.0}},
		{"image", "", Request{Prompt: "a fox", ImageURL: "https://x/i.png", Duration: 4}, "/v1/image_to_video",
			map[string]any{"model": "gen4.5", "promptText": "a fox", "ratio": "1280:720", "duration": 4.0, "promptImage": "https://x/i.png"}},
		{"veo", "veo3.1", Request{Prompt: "a fox", Duration: 7}, "/v1/text_to_video",
			map[string]any{"model": "veo3.1", "promptText": "a fox", "ratio": "1280:720", "duration": 8.0}},
		{"gen3a", "gen3a_turbo", Request{Prompt: "a fox", ImageURL: "https://x/i.png"}, "/v1/image_to_video",
			map[string]any{"model": "gen3a_turbo", "promptText": "a fox", "ratio": "1280:768", "duration": 5.0, "promptImage": "https://x/i.png"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f, Runway, Config{Model: c.model})
			ref, err := p.Submit(context.Background(), c.r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Poll(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
			calls := f.CallsTo(Runway)
			sub := calls[0]
			if sub.Path != c.path || sub.Header.Get("Authorization") != "Bearer "+testKeys.Runway ||
				sub.Header.Get("X-Runway-Version") != "2024-11-06" || sub.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("submit %s %v", sub.Path, sub.Header)
			}
			var body map[string]any
			if err := json.Unmarshal(sub.Body, &body); err != nil {
				t.Fatal(err)
			}
			if len(body) != len(c.want) {
				t.Fatalf("body %v, want %v", body, c.want)
			}
			for k, v := range c.want {
				if body[k] != v {
					t.Fatalf("body %v, want %v", body, c.want)
				}
			}
			if calls[1].Method != "GET" || calls[1].Path != "/v1/tasks/"+ref.ID {
				t.Fatalf("poll %s %s", calls[1].Method, calls[1].Path)
			}
		})
	}
}

func TestRunwayMapsThrottledToQueued(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f, Runway, Config{})
	f.Script("", fakevideo.Outcome{Polls: 2, Throttled: true})
	ref, err := p.Submit(context.Background(), Request{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, seen := pollToEnd(t, p, ref); !equalStates(seen, []State{Queued, Running, Succeeded}) {
		t.Fatalf("states %v", seen)
	}
}

func TestRunwayMapsItsTaskStatuses(t *testing.T) {
	cases := []struct {
		body string
		want State
		url  string
		fail string
	}{
		{`{"id":"t","status":"PENDING"}`, Queued, "", ""},
		{`{"id":"t","status":"THROTTLED"}`, Queued, "", ""},
		{`{"id":"t","status":"RUNNING","progress":0.4}`, Running, "", ""},
		{`{"id":"t","status":"SUCCEEDED","output":["https://cdn/a.mp4","https://cdn/b.mp4"]}`, Succeeded, "https://cdn/a.mp4", ""},
		{`{"id":"t","status":"SUCCEEDED","output":[]}`, Failed, "", "the provider returned no video"},
		{`{"id":"t","status":"FAILED","failure":"Prompt flagged"}`, Failed, "", "Prompt flagged"},
		{`{"id":"t","status":"CANCELLED"}`, Failed, "", "the task was cancelled"},
	}
	for _, c := range cases {
		srv := stubServer(t, 200, c.body, nil)
		p, _ := New(Runway, Config{APIKey: "k", BaseURL: srv.URL}, srv.Client())
		st, err := p.Poll(context.Background(), ProviderRef{ID: "t"})
		if err != nil || st.State != c.want || st.VideoURL != c.url || st.Failure != c.fail {
			t.Errorf("%s: got %+v %v", c.body, st, err)
		}
	}
	srv := stubServer(t, 200, `{"id":"t","status":"PAUSED"}`, nil)
	p, _ := New(Runway, Config{APIKey: "k", BaseURL: srv.URL}, srv.Client())
	if _, err := p.Poll(context.Background(), ProviderRef{ID: "t"}); err == nil {
		t.Error("an unknown status was taken for a state")
	}
}
