package agents

import (
	"encoding/json"
	"time"

	"github.com/keinetech/kaine/money"
)

// Status is where a run stands.
type Status string

// The statuses of a run. Every status but Running is final.
const (
	Running   Status = "running"
	Completed Status = "completed"
	// Failed: a model call failed, the run was cancelled or the gateway
	// stopped; Run.Error says which.
	Failed Status = "failed"
	// StoppedCap: the account's cost cap would have been passed by the
	// next model call. What was done before is kept.
	StoppedCap Status = "stopped_cap"
	// StoppedStepLimit: the agent used all its model calls without
	// finishing.
	StoppedStepLimit Status = "stopped_step_limit"
)

// Final reports whether the run has ended.
func (s Status) Final() bool { return s != Running }

// Run is one agent run, as stored: enough for a caller to follow an
// asynchronous run step by step, and for the account to see what its
// agent did and what it cost.
type Run struct {
	// ID counts per account: 1, 2, 3…
	ID      uint64 `json:"id"`
	Account uint64 `json:"account"`
	// KeyID is the API key that started the run.
	KeyID  uint64 `json:"key_id,omitempty"`
	Agent  string `json:"agent"`
	Goal   string `json:"goal"`
	Status Status `json:"status"`
	// Summary is the agent's final answer, or why the run stopped.
	Summary string `json:"summary,omitempty"`
	// Error says why a run failed; safe to show to the caller.
	Error string `json:"error,omitempty"`
	// Steps are the model calls in order, the self-critique calls included.
	Steps     []Step     `json:"steps"`
	Critiques []Critique `json:"critiques,omitempty"`
	// Revised is set when a critique sent the agent back for another round.
	Revised bool `json:"revised"`
	// Cost is what the run cost the account: its model calls and its
	// tools' own billable work (ToolCost, a landing page's model call),
	// which tools audit on their own. A video's cost is not in it: the job
	// is billed when it ends.
	Cost       money.MicroUSD `json:"cost_usd"`
	ToolCost   money.MicroUSD `json:"tool_cost_usd,omitempty"`
	TokensIn   int64          `json:"tokens_in"`
	TokensOut  int64          `json:"tokens_out"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
}

// Step is one model call of a run.
type Step struct {
	// Critique marks a self-critique call; every other step is the agent
	// acting.
	Critique bool `json:"critique,omitempty"`
	// Text is what the model wrote, clipped.
	Text      string         `json:"text,omitempty"`
	ToolCalls []ToolCall     `json:"tool_calls,omitempty"`
	Provider  string         `json:"provider,omitempty"`
	Model     string         `json:"model,omitempty"`
	Cost      money.MicroUSD `json:"cost_usd"`
	TokensIn  int64          `json:"tokens_in"`
	TokensOut int64          `json:"tokens_out"`
}

// ToolCall is one tool call the model asked for and what came of it.
type ToolCall struct {
	Name string `json:"name"`
	// Input is the model's input: its JSON object, or when that was too
	// long or not JSON, a JSON string of its clipped text.
	Input json.RawMessage `json:"input"`
	// Output is what the tool returned, clipped.
	Output string `json:"output,omitempty"`
	// Error is why the call failed or was refused, clipped.
	Error string `json:"error,omitempty"`
	// Refused marks a call that was not run: the tool is not one the
	// agent may use, or the gateway does not have it.
	Refused bool `json:"refused,omitempty"`
}

// Critique is one self-critique's verdict.
type Critique struct {
	// Verdict is "accept" or "revise".
	Verdict  string `json:"verdict"`
	Critique string `json:"critique,omitempty"`
	// Note says how the verdict was taken when not at its word: unreadable
	// and so accepted, a second revise not followed, or the call failed.
	Note string `json:"note,omitempty"`
}

// The verdicts of a critique.
const (
	Accept = "accept"
	Revise = "revise"
)

// ToolCalls lists every tool call of the run, in order.
func (r Run) ToolCalls() []ToolCall {
	var out []ToolCall
	for _, s := range r.Steps {
		out = append(out, s.ToolCalls...)
	}
	return out
}
