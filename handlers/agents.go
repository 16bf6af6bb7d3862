package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// AgentRunner runs agents: Run until the run ends, Start in the
// background.
type AgentRunner interface {
	Run(ctx context.Context, kit agents.Kit, env agents.Env, agent agents.Agent, goal string) (agents.Run, error)
	Start(kit agents.Kit, env agents.Env, agent agents.Agent, goal string) (agents.Run, error)
}

// AgentRuns keeps the accounts' agent runs.
type AgentRuns interface {
	Get(account, id uint64) (agents.Run, error)
	List(account uint64, limit int) ([]agents.Run, error)
}

// maxGoal bounds a run's goal, in bytes: a goal is a task, not a document
// (those go in the knowledge store).
const maxGoal = 4000

type agentsAnswer struct {
	Agents []agents.Listing `json:"agents"`
	Count  int              `json:"count"`
}

// listAgents answers GET /v1/agents: the catalog, without the agents'
// system prompts.
func (a *API) listAgents(w http.ResponseWriter, _ *http.Request, _ *Call) {
	list := a.Agents.List()
	answer := agentsAnswer{Agents: make([]agents.Listing, len(list)), Count: len(list)}
	for i, agent := range list {
		answer.Agents[i] = agent.Public()
	}
	WriteJSON(w, http.StatusOK, answer)
}

// runAnswer is a run as POST /v1/agents/run and GET /v1/agents/runs/{id}
// give it; the latter adds the goal and the step-by-step history.
type runAnswer struct {
	OK        bool              `json:"ok"`
	AgentName string            `json:"agent_name"`
	RunID     uint64            `json:"run_id"`
	Status    agents.Status     `json:"status"`
	Summary   string            `json:"summary"`
	Error     string            `json:"error,omitempty"`
	Steps     int               `json:"steps"`
	ToolCalls []agents.ToolCall `json:"tool_calls"`
	Revised   bool              `json:"revised"`
	CostUSD   money.MicroUSD    `json:"cost_usd"`
	TokensIn  int64             `json:"tokens_in"`
	TokensOut int64             `json:"tokens_out"`

	Goal       string            `json:"goal,omitempty"`
	History    []agents.Step     `json:"history,omitempty"`
	Critiques  []agents.Critique `json:"critiques,omitempty"`
	CreatedAt  *time.Time        `json:"created_at,omitempty"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
}

func runAnswerOf(run agents.Run) runAnswer {
	calls := run.ToolCalls()
	if calls == nil {
		calls = []agents.ToolCall{}
	}
	return runAnswer{OK: true, AgentName: run.Agent, RunID: run.ID, Status: run.Status, Summary: run.Summary, Error: run.Error,
		Steps: len(run.Steps), ToolCalls: calls, Revised: run.Revised, CostUSD: run.Cost, TokensIn: run.TokensIn, TokensOut: run.TokensOut}
}

// runAgent answers POST /v1/agents/run: the agent plans, calls its tools
// and critiques its result; each model call is reserved against the cap
// and billed. With "async": true the answer is 202 at once and GET
// /v1/agents/runs/{id} follows the run.
func (a *API) runAgent(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := fields{obj: obj}
	name := f.required("agent_name")
	goal := f.requiredBounded("goal", maxGoal)
	async := f.boolean("async")
	agent, known := a.Agents.Get(name)
	switch {
	case f.err != nil:
	case !known:
		f.fail(CodeInvalidField, "agent_name %s is not an agent of this gateway; GET /v1/agents lists them.", strconv.Quote(clip.Runes(name, 64)))
	case strings.TrimSpace(goal) == "":
		f.fail(CodeMissingFields, "goal must say what the agent should do; it is blank.")
	}
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	env := agents.Env{Account: call.Identity.UserID, KeyID: call.Identity.KeyID}
	kit := agents.Kit{Model: a.AgentModel(), Tools: a.AgentTools}
	if async {
		run, err := a.AgentRunner.Start(kit, env, agent, goal)
		switch {
		case errors.Is(err, agents.ErrBusy):
			a.Errors.Write(w, CodeRateLimitExceeded, fmt.Sprintf("This account already has %d agent runs under way; wait for one to end (GET /v1/agents/runs/{id}).", agents.DefaultMaxAsyncPerAccount))
			return
		case errors.Is(err, metering.ErrStoreUnavailable):
			a.storeUnavailable(w)
			return
		case errors.Is(err, agents.ErrClosed):
			a.Errors.Write(w, CodeInternal, "The gateway is shutting down; start the run again in a moment.")
			return
		case err != nil:
			a.Errors.Internal(w, err, "The run could not be started; try again.")
			return
		}
		call.Audit.Note = fmt.Sprintf("agent run %d started", run.ID)
		WriteJSON(w, http.StatusAccepted, runAnswerOf(run))
		return
	}
	run, err := a.AgentRunner.Run(r.Context(), kit, env, agent, goal)
	auditRun(&call.Audit, run)
	switch {
	case err != nil:
		a.Errors.Internal(w, err, "The run could not be recorded; try again.")
	case run.Status == agents.StoppedCap && len(run.Steps) == 0:
		a.Errors.Write(w, CodeUsageCapReached, fmt.Sprintf("The first model call of agent run %d would pass the account's 30-day cap; nothing was done. Check GET /v1/usage.", run.ID))
	case run.Status == agents.Failed && r.Context().Err() != nil:
		a.Errors.Write(w, CodeClientClosed, "The client closed the request during the run.")
	case run.Status == agents.Failed:
		a.Errors.Write(w, CodeProviderError, fmt.Sprintf("Agent run %d failed: %s. GET /v1/agents/runs/%d shows what it did.", run.ID, run.Error, run.ID))
	default:
		WriteJSON(w, http.StatusOK, runAnswerOf(run))
	}
}

// auditRun puts what a run's model calls cost into an audit record. The
// ledger was charged call by call; its tools' own billable work has audit
// records of its own, so it is left out here to be counted once.
func auditRun(rec *metering.AuditRecord, run agents.Run) {
	rec.Cost, rec.TokensIn, rec.TokensOut = run.Cost-run.ToolCost, run.TokensIn, run.TokensOut
	for i := len(run.Steps) - 1; i >= 0; i-- {
		if s := run.Steps[i]; s.Provider != "" {
			rec.Provider, rec.Model = s.Provider, s.Model
			break
		}
	}
	if run.ID != 0 {
		rec.Note = fmt.Sprintf("agent run %d: %s", run.ID, run.Status)
	}
}

// RunAuditor returns what writes the audit record of an asynchronous run
// once it has ended: its request was answered (202) before it cost
// anything. ids names the records.
func RunAuditor(recorder interface{ Record(metering.AuditRecord) }, ids *RequestIDs) func(agents.Run) {
	return func(run agents.Run) {
		rec := metering.AuditRecord{UserID: run.Account, KeyID: run.KeyID, RequestID: ids.New(),
			Endpoint: "/v1/agents/runs/" + strconv.FormatUint(run.ID, 10), Method: http.MethodPost, Status: http.StatusOK, Time: time.Now()}
		if run.FinishedAt != nil {
			rec.LatencyMS = run.FinishedAt.Sub(run.CreatedAt).Milliseconds()
		}
		if run.Status == agents.Failed {
			rec.Status, rec.Error = StatusOf(CodeProviderError), CodeProviderError
		}
		auditRun(&rec, run)
		recorder.Record(rec)
	}
}

// getAgentRun answers GET /v1/agents/runs/{id}: one of the caller's runs,
// step by step, while it runs or after.
func (a *API) getAgentRun(w http.ResponseWriter, r *http.Request, call *Call) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		a.Errors.Write(w, CodeNotFound, "There is no run "+strconv.Quote(clip.Runes(r.PathValue("id"), 32))+"; run ids are positive whole numbers.")
		return
	}
	run, err := a.AgentRuns.Get(call.Identity.UserID, id)
	switch {
	case errors.Is(err, agents.ErrNotFound):
		a.Errors.Write(w, CodeNotFound, "There is no run "+strconv.FormatUint(id, 10)+".")
		return
	case err != nil:
		a.Errors.Internal(w, err, "The run could not be read; try again.")
		return
	}
	answer := runAnswerOf(run)
	answer.Goal, answer.History, answer.Critiques = run.Goal, run.Steps, run.Critiques
	answer.CreatedAt, answer.FinishedAt = &run.CreatedAt, run.FinishedAt
	WriteJSON(w, http.StatusOK, answer)
}
