package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"

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

// Generate makes the page. The tool has checked the brief against the
// endpoint's limits.
func (p AgentLandingPages) Generate(ctx context.Context, env agents.Env, brief landing.Brief) (string, error) {
	call := p.api.toolCall(env, http.MethodPost, "/v1/landing-pages")
	failure := &apiError{code: CodeInternal, message: "The landing page could not be made."} // if makeLandingPage panics
	defer func() { p.api.endToolCall(env, call, failure) }()
	var answer landingAnswer
	if answer, failure = p.api.makeLandingPage(ctx, call, brief); failure != nil {
		return "", failure
	}
	return answer.URL, nil
}

// Generate submits the job. The tool has checked the prompt, seconds and
// provider name against the endpoint's limits.
func (v AgentVideos) Generate(ctx context.Context, env agents.Env, prompt string, seconds int, provider string) (videos.Job, error) {
	call := v.api.toolCall(env, http.MethodPost, "/v1/videos")
	failure := &apiError{code: CodeInternal, message: "The video job could not be submitted."} // if submitVideo panics
	defer func() { v.api.endToolCall(env, call, failure) }()
	var job videos.Job
	if job, failure = v.api.submitVideo(ctx, call, provider, videos.Request{Prompt: prompt, Duration: seconds}); failure != nil {
		return videos.Job{}, failure
	}
	return job, nil
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
