package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/videos"
	"github.com/keinetech/kaine/workflows"
)

// N8NRuns lists the executions of an n8n instance.
type N8NRuns interface {
	Executions(ctx context.Context, limit int) ([]workflows.Run, error)
}

const (
	defaultWorkflowsLimit = 50
	maxWorkflowsLimit     = 500
	// n8nWait bounds the wait for n8n, so a slow instance costs the
	// answer its n8n runs, not its latency.
	n8nWait = 5 * time.Second
)

// WorkflowList is an account's runs, as GET /v1/workflows shows them.
type WorkflowList struct {
	Workflows []workflows.Run `json:"workflows"`
	Count     int             `json:"count"`
	// Warning says why n8n's runs are missing, when they are.
	Warning string `json:"warning,omitempty"`
}

// listWorkflows answers GET /v1/workflows.
func (a *API) listWorkflows(w http.ResponseWriter, r *http.Request, call *Call) {
	limit, ok := a.queryLimit(w, r, defaultWorkflowsLimit, maxWorkflowsLimit)
	if !ok {
		return
	}
	list, err := a.WorkflowsOf(r.Context(), call.Identity.UserID, limit)
	if err != nil {
		a.Errors.Internal(w, err, "The runs could not be read; try again.")
		return
	}
	WriteJSON(w, http.StatusOK, list)
}

// WorkflowsOf lists an account's runs, newest first: Kaine's own (video
// jobs, landing pages, agent runs) and, for the accounts the operator gave
// the n8n instance to, n8n's executions. n8n being down costs its runs and
// adds a warning, never the list.
func (a *API) WorkflowsOf(ctx context.Context, user uint64, limit int) (WorkflowList, error) {
	jobs, err := a.VideoJobs.List(user, limit)
	if err != nil {
		return WorkflowList{}, fmt.Errorf("reading video jobs: %w", err)
	}
	pages, err := a.Audit.Query(user, "/v1/landing-pages", limit)
	if err != nil {
		return WorkflowList{}, fmt.Errorf("reading landing pages: %w", err)
	}
	runs, err := a.AgentRuns.List(user, limit)
	if err != nil {
		return WorkflowList{}, fmt.Errorf("reading agent runs: %w", err)
	}
	list := WorkflowList{}
	var n8n []workflows.Run
	if a.N8N != nil && a.N8NAccount(user) {
		ctx, cancel := context.WithTimeout(ctx, n8nWait)
		n8n, err = a.N8N.Executions(ctx, limit)
		cancel()
		if err != nil {
			list.Warning = "n8n's runs are missing: " + n8nFailure(err) + "."
		}
	}
	list.Workflows = workflows.Merge(limit, videoRuns(jobs), a.landingRuns(pages), agentRuns(runs), n8n)
	list.Count = len(list.Workflows)
	return list, nil
}

// N8NAccount reports whether the operator gave the n8n instance to the
// account: an instance is one tenant's, and its runs must not show in
// another's list, nor its workflows be triggered by another's agents.
func (a *API) N8NAccount(user uint64) bool {
	u, err := a.Users.User(user)
	return err == nil && a.N8NAccounts[u.Username]
}

// n8nFailure says why n8n could not be listed, without its address or key.
func n8nFailure(err error) string {
	var refusal *workflows.N8NError
	switch {
	case errors.As(err, &refusal):
		return refusal.Message
	case errors.Is(err, context.DeadlineExceeded):
		return "n8n did not answer in time"
	}
	return "n8n could not be reached"
}

func videoRuns(jobs []videos.Job) []workflows.Run {
	runs := make([]workflows.Run, len(jobs))
	for i, j := range jobs {
		started := j.CreatedAt
		status := workflows.StatusQueued
		switch j.State {
		case videos.Running:
			status = workflows.StatusRunning
		case videos.Succeeded:
			status = workflows.StatusSuccess
		case videos.Failed:
			status = workflows.StatusError
		}
		runs[i] = workflows.Run{ID: j.ID, Source: workflows.SourceKaine, Name: "video (" + j.Provider + ")",
			Status: status, StartedAt: &started, FinishedAt: j.FinishedAt}
	}
	return runs
}

// landingRuns reads the landing pages an account generated from its audit
// records (kept for audit_retention): a call that ran is one run, a
// success if it published a page. A refused one (4xx: bad brief, scope,
// limits) never ran.
func (a *API) landingRuns(records []metering.AuditRecord) []workflows.Run {
	runs := make([]workflows.Run, 0, len(records))
	for _, rec := range records {
		if rec.Status >= 400 && rec.Status < 500 {
			continue
		}
		finished := rec.Time
		started := finished.Add(-time.Duration(rec.LatencyMS) * time.Millisecond)
		status := workflows.StatusSuccess
		if rec.Status != http.StatusOK {
			status = workflows.StatusError
		}
		run := workflows.Run{ID: rec.RequestID, Source: workflows.SourceKaine, Name: "landing page",
			Status: status, StartedAt: &started, FinishedAt: &finished}
		if rec.Resource != "" {
			run.URL = a.PublicURL + rec.Resource
		}
		runs = append(runs, run)
	}
	return runs
}

// agentRuns lists agent runs as workflow runs; a run that stopped short
// (cap, step limit) ended badly too.
func agentRuns(list []agents.Run) []workflows.Run {
	runs := make([]workflows.Run, len(list))
	for i, run := range list {
		started := run.CreatedAt
		status := workflows.StatusError
		switch run.Status {
		case agents.Running:
			status = workflows.StatusRunning
		case agents.Completed:
			status = workflows.StatusSuccess
		}
		runs[i] = workflows.Run{ID: "run_" + strconv.FormatUint(run.ID, 10), Source: workflows.SourceKaine, Name: "agent " + run.Agent,
			Status: status, StartedAt: &started, FinishedAt: run.FinishedAt, Steps: len(run.Steps)}
	}
	return runs
}
