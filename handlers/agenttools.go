package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/videos"
)

// AgentLandingPages makes landing pages for the generate_landing_page
// tool with POST /v1/landing-pages' code, billed to the run's account.
func (a *API) AgentLandingPages() AgentLandingPages { return AgentLandingPages{a} }

// AgentVideos submits video jobs for the generate_video tool with POST
// /v1/videos' code: the job's hold and its follower are the same.
func (a *API) AgentVideos() AgentVideos { return AgentVideos{a} }

// AgentLandingPages is the landing pages of the generate_landing_page tool.
type AgentLandingPages struct{ api *API }

// AgentVideos is the video jobs of the generate_video tool.
type AgentVideos struct{ api *API }

func (p AgentLandingPages) Generate(ctx context.Context, env agents.Env, brief landing.Brief) (string, error) {
	if err := briefError(brief); err != nil {
		return "", err
	}
	call := p.api.toolCall(env, http.MethodPost, "/v1/landing-pages")
	answer, err := p.api.makeLandingPage(ctx, call, brief)
	p.api.endToolCall(env, call, err)
	if err != nil {
		return "", err
	}
	return answer.URL, nil
}

func (v AgentVideos) Generate(ctx context.Context, env agents.Env, prompt string, seconds int, provider string) (videos.Job, error) {
	switch {
	case prompt == "" || utf8.RuneCountInString(prompt) > maxVideoPrompt:
		return videos.Job{}, &apiError{CodeInvalidField, fmt.Sprintf("prompt must be 1 to %d characters.", maxVideoPrompt)}
	case seconds == 0:
		seconds = videos.DefaultDuration
	case seconds < videos.MinDuration || seconds > videos.MaxDuration:
		return videos.Job{}, &apiError{CodeInvalidField, fmt.Sprintf("seconds must be %d to %d.", videos.MinDuration, videos.MaxDuration)}
	}
	if provider == "" {
		provider = videos.DefaultProvider
	}
	call := v.api.toolCall(env, http.MethodPost, "/v1/videos")
	job, err := v.api.submitVideo(ctx, call, provider, videos.Request{Prompt: prompt, Duration: seconds})
	v.api.endToolCall(env, call, err)
	if err != nil {
		return videos.Job{}, err
	}
	return job, nil
}

// briefError checks a brief the way POST /v1/landing-pages checks its body.
func briefError(b landing.Brief) *apiError {
	short := func(s string) bool { return utf8.RuneCountInString(s) <= landing.MaxBriefShort }
	switch {
	case b.BusinessName == "" || !short(b.BusinessName):
		return &apiError{CodeInvalidField, fmt.Sprintf("business_name must be 1 to %d characters.", landing.MaxBriefShort)}
	case b.Description == "" || utf8.RuneCountInString(b.Description) > landing.MaxBriefDescription:
		return &apiError{CodeInvalidField, fmt.Sprintf("description must be 1 to %d characters.", landing.MaxBriefDescription)}
	case !short(b.Industry) || !short(b.Tone):
		return &apiError{CodeInvalidField, fmt.Sprintf("industry and tone must be at most %d characters.", landing.MaxBriefShort)}
	case b.ClientEmail != "" && !plainAddress(b.ClientEmail):
		return &apiError{CodeInvalidField, "client_email must be an address like info@example.com."}
	}
	return nil
}

// toolCall is the Call of an agent tool's billable work: it reserves and
// settles against the run's account like the endpoint whose code it runs,
// and is audited as that endpoint.
func (a *API) toolCall(env agents.Env, method, endpoint string) *Call {
	now := time.Now()
	return &Call{Identity: &accounts.Identity{UserID: env.Account, KeyID: env.KeyID}, Start: now,
		Audit: metering.AuditRecord{UserID: env.Account, KeyID: env.KeyID, RequestID: a.RequestIDs.New(),
			Endpoint: endpoint, Method: method, Note: fmt.Sprintf("agent run %d (%s)", env.RunID, env.Agent)}}
}

// endToolCall releases what the tool did not settle, charges the run with
// what it did, and writes the audit record.
func (a *API) endToolCall(env agents.Env, call *Call, err *apiError) {
	call.Release()
	rec := call.Audit
	rec.Status, rec.Time = http.StatusOK, time.Now()
	rec.LatencyMS = rec.Time.Sub(call.Start).Milliseconds()
	if err != nil {
		rec.Status, rec.Error = StatusOf(err.code), err.code
	}
	if env.Charge != nil {
		env.Charge(rec.Cost)
	}
	a.AuditRecorder.Record(rec)
}
