package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/keinetech/kaine/videos/fakevideo"
)

type videoJSON struct {
	OK       bool    `json:"ok"`
	VideoID  string  `json:"video_id"`
	Status   string  `json:"status"`
	Provider string  `json:"provider"`
	VideoURL string  `json:"video_url"`
	Error    string  `json:"error"`
	Duration int     `json:"duration"`
	CostUSD  float64 `json:"cost_usd"`
}

func startVideoGateway(t *testing.T) (*gateway, *fakevideo.Server) {
	t.Helper()
	fake := fakevideo.New(fakevideo.Keys{Higgsfield: "hf-id:hf-secret", Runway: "rw-key", KlingAccess: "kl-access", KlingSecret: "kl-secret"})
	t.Cleanup(fake.Close)
	g := startGateway(t, fmt.Sprintf(`tier developer {
			cap_usd 2
			rpm 1000
		}
		video higgsfield {
			base_url %s
			api_key hf-id:hf-secret
			price_per_second 0.10
		}
		video runway {
			base_url %s
			api_key rw-key
			price_per_second 0.05
		}
		video kling {
			base_url %s
			api_key kl-access:kl-secret
			price_per_second 0.07
		}`, fake.BaseURL("higgsfield"), fake.BaseURL("runway"), fake.BaseURL("kling")))
	return g, fake
}

func (g *gateway) video(method, path, key, body string) (int, videoJSON, string) {
	g.t.Helper()
	status, _, data := g.doRaw(method, path, key, body)
	var v videoJSON
	if status == 200 && json.Unmarshal(data, &v) != nil {
		g.t.Fatalf("%s %s: %s", method, path, data)
	}
	return status, v, string(data)
}

func (g *gateway) usedUSD(key string) float64 {
	g.t.Helper()
	_, _, data := g.doRaw("GET", "/v1/usage", key, "")
	var usage struct {
		Status struct {
			UsedUSD float64 `json:"used_usd"`
		} `json:"status"`
	}
	if err := json.Unmarshal(data, &usage); err != nil {
		g.t.Fatalf("usage: %s", data)
	}
	return usage.Status.UsedUSD
}

// A video's worst case is held against the cap from submit to end, then
// settled at what it cost, or released when it fails; it survives a
// restart in between.
func TestVideosAreReservedFollowedAndSettled(t *testing.T) {
	g, fake := startVideoGateway(t)
	k := g.userWithKey("angel", "read", "write")
	other := g.userWithKey("bruno", "read", "write")

	fake.Script("Aerial drone shot of a coastal city at golden hour", fakevideo.Outcome{Polls: 2})
	status, v, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"Aerial drone shot of a coastal city at golden hour","duration":8}`)
	if status != 200 || !v.OK || v.Status != "queued" || v.Provider != "higgsfield" || !strings.HasPrefix(v.VideoID, "vid_") {
		t.Fatalf("submit: %d %s", status, data)
	}
	// 8 s asked; Higgsfield's default model makes 5 or 10, so 10 s ×
	// $0.10 = $1.00 is held: two such videos fit the $2 cap, a third not.
	fake.Script("second", fakevideo.Outcome{Polls: 100})
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"second","duration":8}`); status != 200 {
		t.Fatalf("second video: %d %s", status, data)
	}
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"third","duration":8}`); status != 429 || !strings.Contains(data, "usage_cap_reached") {
		t.Fatalf("third video past the cap: %d %s", status, data)
	}
	if _, _, data := g.doRaw("GET", "/v1/usage", k.Key, ""); !strings.Contains(string(data), `"reserved_usd":2`) {
		t.Fatalf("usage does not show the holds: %s", data)
	}

	// A restart between submit and end loses nothing: the job and its hold.
	g.restart()
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"third","duration":8}`); status != 429 {
		t.Fatalf("the holds did not survive the restart: %d %s", status, data)
	}
	if status, _, _ := g.video("GET", "/v1/videos/"+v.VideoID, other.Key, ""); status != 404 {
		t.Fatalf("another account's video: %d", status)
	}
	for _, want := range []string{"queued", "running"} {
		status, v, data = g.video("GET", "/v1/videos/"+v.VideoID, k.Key, "")
		if status != 200 || v.Status != want || v.VideoURL != "" {
			t.Fatalf("poll while %s: %d %s", want, status, data)
		}
	}
	status, done, data := g.video("GET", "/v1/videos/"+v.VideoID, k.Key, "")
	if status != 200 || done.Status != "succeeded" || !strings.HasPrefix(done.VideoURL, "http") || done.CostUSD != 1 || done.Duration != 10 {
		t.Fatalf("second poll: %d %s", status, data)
	}
	if used := g.usedUSD(k.Key); used != 1 {
		t.Fatalf("used $%v, want $1.00", used)
	}
	rec := g.lastRecord(k.UserID, 7, "/v1/videos/"+v.VideoID)
	if rec.Cost != 1_000_000 || rec.Provider != "higgsfield" {
		t.Fatalf("the settling call's audit record %+v", rec)
	}
	// The stored final state is answered without asking the provider again.
	before := len(fake.CallsTo("higgsfield"))
	if _, again, _ := g.video("GET", "/v1/videos/"+v.VideoID, k.Key, ""); again.Status != "succeeded" || len(fake.CallsTo("higgsfield")) != before {
		t.Fatalf("a finished job was polled again: %+v", again)
	}
}

func TestVideoFailuresAndRefusals(t *testing.T) {
	g, fake := startVideoGateway(t)
	k := g.userWithKey("angel", "read", "write")

	fake.Script("forbidden", fakevideo.Outcome{Fail: "content policy violation"})
	_, v, _ := g.video("POST", "/v1/videos", k.Key, `{"prompt":"forbidden","provider":"runway","duration":10}`)
	status, failed, data := g.video("GET", "/v1/videos/"+v.VideoID, k.Key, "")
	if status != 200 || failed.Status != "failed" || !strings.Contains(failed.Error, "content policy") || failed.CostUSD != 0 {
		t.Fatalf("failed job: %d %s", status, data)
	}
	if used := g.usedUSD(k.Key); used != 0 {
		t.Fatalf("a failed video cost $%v", used)
	}
	// Its hold was released: the whole $2 cap is free again.
	fake.Script("big", fakevideo.Outcome{Polls: 100})
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"big","provider":"kling","duration":10}`); status != 200 {
		t.Fatalf("after a release: %d %s", status, data)
	}

	fake.Script("refused", fakevideo.Outcome{Refuse: 422, Message: "prompt too vague"})
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"refused"}`); status != 400 || !strings.Contains(data, "invalid_field") || !strings.Contains(data, "prompt too vague") {
		t.Fatalf("refused submit: %d %s", status, data)
	}
	fake.Script("bad key", fakevideo.Outcome{Refuse: 401})
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"bad key"}`); status != 500 || !strings.Contains(data, "provider_error") || strings.Contains(data, "hf-secret") {
		t.Fatalf("refused key: %d %s", status, data)
	}
	for _, c := range []struct{ body, code string }{
		{`{"duration":5}`, "missing_fields"},
		{`{"prompt":"x","duration":0}`, "invalid_field"},
		{`{"prompt":"x","duration":11}`, "invalid_field"},
		{`{"prompt":"x","image_url":"ftp://example.com/a.png"}`, "invalid_field"},
		{`{"prompt":"x","provider":"sora"}`, "invalid_provider"},
		{`{"prompt":"x","provider":"fal"}`, "invalid_provider"},
	} {
		if status, _, data := g.video("POST", "/v1/videos", k.Key, c.body); status != 400 || !strings.Contains(data, c.code) {
			t.Errorf("%s: %d %s", c.body, status, data)
		}
	}
	if status, _, data := g.video("POST", "/v1/videos", k.Key, `{"prompt":"x","provider":"fal"}`); !strings.Contains(data, "fal is not configured") {
		t.Fatalf("unconfigured provider: %d %s", status, data)
	}
	if status, _, _ := g.video("GET", "/v1/videos/vid_nope", k.Key, ""); status != 404 {
		t.Fatalf("unknown video: %d", status)
	}
}

// A job the follower sees end is settled and audited with its cost, though
// no request asked.
func TestTheFollowerEndsAndAuditsVideoJobs(t *testing.T) {
	g, fake := startVideoGateway(t)
	k := g.userWithKey("angel", "read", "write")
	fake.Script("quick", fakevideo.Outcome{})
	_, v, _ := g.video("POST", "/v1/videos", k.Key, `{"prompt":"quick","provider":"runway","duration":4}`)

	activeApp(t).api.FollowVideos(context.Background())
	rec := g.lastRecord(k.UserID, 2, "/v1/videos/"+v.VideoID)
	// 4 s × $0.05 = $0.20.
	if rec.Cost != 200_000 || rec.KeyID != k.KeyID || rec.Provider != "runway" || rec.RequestID != "follow-"+v.VideoID {
		t.Fatalf("the follower's audit record %+v", rec)
	}
	if used := g.usedUSD(k.Key); used != 0.2 {
		t.Fatalf("used $%v, want $0.20", used)
	}
	before := len(fake.CallsTo("runway"))
	if _, done, _ := g.video("GET", "/v1/videos/"+v.VideoID, k.Key, ""); done.Status != "succeeded" || len(fake.CallsTo("runway")) != before {
		t.Fatalf("after the follower: %+v", done)
	}
}
