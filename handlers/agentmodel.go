package handlers

import (
	"context"
	"errors"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/routing"
)

// agentTaskType routes agents' calls on the default route (Sonnet first):
// planning and tool use want the capable models.
const agentTaskType = "agent"

// AgentModel makes agent runs' model calls the way POST /v1/llm makes
// one: each is planned, its worst case reserved against the account's cap,
// made with failover, and settled at its real cost.
func (a *API) AgentModel() agents.Model { return agentModel{a} }

type agentModel struct{ api *API }

func (m agentModel) Call(ctx context.Context, env agents.Env, req routing.Request) (agents.Reply, error) {
	a := m.api
	plan, err := a.LLM.Plan(routing.Params{Request: req, TaskType: agentTaskType})
	if err != nil {
		return agents.Reply{}, &agents.CallError{Message: planError(err).message}
	}
	call := &Call{Identity: &accounts.Identity{UserID: env.Account, KeyID: env.KeyID}}
	if err := a.reserve(call, plan.Estimate); err != nil {
		if err.code == CodeUsageCapReached {
			return agents.Reply{}, agents.ErrCapReached
		}
		return agents.Reply{}, &agents.CallError{Message: err.message}
	}
	defer call.Release() // should Do panic; after Settle it does nothing
	out, err := a.LLM.Do(ctx, plan, nil)
	call.Settle(out.Cost)
	reply := agents.Reply{Result: out.Result, Provider: out.Provider, TokensIn: out.Usage.PromptTokens(),
		TokensOut: out.Usage.Output, Cost: out.Cost}
	if out.Model != nil {
		reply.Model = out.Model.ID // as /v1/llm's audit records name it
	}
	if err != nil {
		var f *routing.Failure
		if errors.As(err, &f) && f.Kind == routing.ClientGone {
			return reply, context.Cause(ctx)
		}
		return reply, &agents.CallError{Message: callError(err).message}
	}
	return reply, nil
}
