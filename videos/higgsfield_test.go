package videos

import (
	"context"
	"encoding/json"
	"testing"
)

func TestHiggsfieldSendsItsAuthAndPollsTheStatusURL(t *testing.T) {
	cases := []struct {
		name, model string
		r           Request
		path        string
		want        map[string]any
	}{
		{"text", "", Request{Prompt: "a city", Duration: 8}, "/kling-video/v2.1/pro/text-to-video",
			map[string]any{"prompt": "a city", "duration": 10.0, "aspect_ratio": "16:9"}},
		{"image", "", Request{Prompt: "a city", ImageURL: "https://x/i.png"}, "/kling-video/v2.1/pro/image-to-video",
			map[string]any{"prompt": "a city", "duration": 5.0, "image_url": "https://x/i.png"}},
		{"dop", "higgsfield-ai/dop/standard", Request{Prompt: "a city", ImageURL: "https://x/i.png", Duration: 6}, "/higgsfield-ai/dop/standard",
			map[string]any{"prompt": "a city", "duration": 5.0, "image_url": "https://x/i.png"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f, Higgsfield, Config{Model: c.model})
			ref, err := p.Submit(context.Background(), c.r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Poll(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
			calls := f.CallsTo(Higgsfield)
			if calls[0].Path != c.path || calls[0].Header.Get("Authorization") != "Key "+testKeys.Higgsfield {
				t.Fatalf("submit %s %v", calls[0].Path, calls[0].Header)
			}
			var body map[string]any
			if err := json.Unmarshal(calls[0].Body, &body); err != nil {
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
			if calls[1].Path != "/requests/"+ref.ID+"/status" {
				t.Fatalf("poll %s", calls[1].Path)
			}
		})
	}
}

func TestHiggsfieldPollsByIDWithoutAStatusURL(t *testing.T) {
	srv := stubServer(t, 200, `{"status":"completed","request_id":"r","video":{"url":"https://cdn/v.mp4"}}`, nil)
	p, _ := New(Higgsfield, Config{APIKey: "a:b", BaseURL: srv.URL}, srv.Client())
	st, err := p.Poll(context.Background(), ProviderRef{ID: "r"})
	if err != nil || st.State != Succeeded || st.VideoURL != "https://cdn/v.mp4" {
		t.Fatalf("got %+v %v", st, err)
	}
}
