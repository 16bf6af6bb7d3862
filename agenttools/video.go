package agenttools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/videos"
)

// generateVideo is generate_video.
type generateVideo struct{ videos Videos }

func (generateVideo) Spec() routing.Tool {
	names, _ := json.Marshal(videos.Names)
	return spec("generate_video",
		"Start making a short video from a text prompt. Making it takes minutes and continues after this call: the answer is the job's id and status, not a video. Do not give anyone a video link now; the account finds the finished video under its video jobs by the id. The video's seconds are billed to the account.",
		fmt.Sprintf(`{
	"type": "object",
	"properties": {
		"prompt": {"type": "string", "description": "What the video shows: subject, setting, action, camera and style, in one paragraph of at most 4000 bytes."},
		"seconds": {"type": "integer", "minimum": %d, "maximum": %d, "description": "The video's length in seconds. Default %d. Some providers round it to the lengths they make."},
		"provider": {"type": "string", "enum": %s, "description": "Which video provider makes it. Default %s; only providers the gateway has configured work."}
	},
	"required": ["prompt"],
	"additionalProperties": false
}`, videos.MinDuration, videos.MaxDuration, videos.DefaultDuration, names, videos.DefaultProvider))
}

func (t generateVideo) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Prompt   string `json:"prompt"`
		Seconds  *int   `json:"seconds"`
		Provider string `json:"provider"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.required("prompt", in.Prompt, videos.MaxPrompt)
	seconds := videos.DefaultDuration
	if in.Seconds != nil {
		seconds = *in.Seconds
		if seconds < videos.MinDuration || seconds > videos.MaxDuration {
			c.fail("seconds must be from %d to %d", videos.MinDuration, videos.MaxDuration)
		}
	}
	provider := in.Provider
	if provider == "" {
		provider = videos.DefaultProvider
	}
	if !videos.Known(provider) {
		c.fail("provider must be one of %s", strings.Join(videos.Names, ", "))
	}
	if c.err != nil {
		return "", c.err
	}
	job, err := t.videos.Generate(ctx, env, in.Prompt, seconds, provider)
	if err != nil {
		return "", fmt.Errorf("the video was not started: %w", err)
	}
	view := videoView{VideoID: job.ID, Status: job.State, Provider: job.Provider, Seconds: job.Duration}
	switch job.State {
	case videos.Failed:
		return "", fmt.Errorf("the video job %s failed: %s", job.ID, job.Failure)
	case videos.Succeeded:
		view.VideoURL = job.VideoURL
		view.Note = "The video is ready."
	default:
		view.Note = "The video is being made and continues after this call; it is not ready yet, so there is no link to share."
	}
	return answer(view)
}

// videoView is a job as the model reads it.
type videoView struct {
	VideoID  string       `json:"video_id"`
	Status   videos.State `json:"status"`
	Provider string       `json:"provider"`
	Seconds  int          `json:"seconds"`
	VideoURL string       `json:"video_url,omitempty"`
	Note     string       `json:"note"`
}
