package agenttools

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/videos"
)

func TestGenerateVideo(t *testing.T) {
	v := &fakeVideos{job: videos.Job{ID: "vid_0123456789abcdef", Provider: videos.Runway, Duration: 5, State: videos.Queued}}
	d := Deps{Videos: v}
	out := mustRun(t, d, "generate_video", env1, `{"prompt": "a loaf coming out of the oven", "seconds": 5, "provider": "runway"}`)
	var got videoView
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.VideoID != "vid_0123456789abcdef" || got.Status != videos.Queued || got.Seconds != 5 || got.VideoURL != "" ||
		!strings.Contains(got.Note, "continues after this call") {
		t.Errorf("told the model %s", out)
	}
	if v.prompt != "a loaf coming out of the oven" || v.seconds != 5 || v.provider != videos.Runway || !sameEnv(v.env, env1) {
		t.Errorf("asked for %+v", v)
	}

	mustRun(t, d, "generate_video", env1, `{"prompt": "a loaf"}`)
	if v.seconds != videos.DefaultDuration || v.provider != videos.DefaultProvider {
		t.Errorf("defaults: %d seconds of %s", v.seconds, v.provider)
	}
}

func TestGenerateVideoOutcomes(t *testing.T) {
	failed := &fakeVideos{job: videos.Job{ID: "vid_1", State: videos.Failed, Failure: "the prompt was refused by the provider"}}
	wantError(t, Deps{Videos: failed}, "generate_video", env1, `{"prompt": "x"}`, "the video job vid_1 failed: the prompt was refused")

	capped := &fakeVideos{err: agents.ErrCapReached}
	if _, err := run(t, Deps{Videos: capped}, "generate_video", env1, `{"prompt": "x"}`); !errors.Is(err, agents.ErrCapReached) {
		t.Errorf("error %v", err)
	}

	done := &fakeVideos{job: videos.Job{ID: "vid_2", State: videos.Succeeded, VideoURL: "https://cdn.example/v.mp4"}}
	if out := mustRun(t, Deps{Videos: done}, "generate_video", env1, `{"prompt": "x"}`); !strings.Contains(out, `"video_url":"https://cdn.example/v.mp4"`) {
		t.Errorf("a finished job: %s", out)
	}
}

func TestGenerateVideoBadInput(t *testing.T) {
	v := &fakeVideos{}
	d := Deps{Videos: v}
	tests := []struct{ input, want string }{
		{`{}`, "prompt is required"},
		{`{"prompt": "` + strings.Repeat("x", videos.MaxPrompt+1) + `"}`, "prompt is 4001 bytes"},
		{`{"prompt": "x", "seconds": 0}`, "seconds must be from 1 to 10"},
		{`{"prompt": "x", "seconds": 11}`, "seconds must be from 1 to 10"},
		{`{"prompt": "x", "provider": "sora"}`, "provider must be one of higgsfield, runway, kling, fal"},
	}
	for _, tt := range tests {
		wantError(t, d, "generate_video", env1, tt.input, tt.want)
	}
	if v.calls != 0 {
		t.Errorf("%d jobs started from bad input", v.calls)
	}
}
