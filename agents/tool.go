package agents

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// Env is who a tool runs for: every tool reads and writes only the data
// of Account. The caller of a run sets Account and KeyID; the Runner sets
// RunID and Agent.
type Env struct {
	Account uint64
	KeyID   uint64
	RunID   uint64
	Agent   string
	// Charge adds what a tool's own billable work cost (a landing page's
	// model call) to the run's cost; the Runner sets it. The ledger has
	// already been charged: this is only the run's account of it.
	Charge func(money.MicroUSD)
}

// Tool is one capability an agent may use. Run gets the model's input
// (a JSON object matching Spec().Parameters) and returns the text the model
// reads next. An error is shown to the model as a failed call, so it must
// be safe to show: no secrets, no hosts.
type Tool interface {
	Spec() routing.Tool
	Run(ctx context.Context, env Env, input json.RawMessage) (string, error)
}

// Model makes one model call of a run for env.Account: it reserves the
// call's worst case against the account's cap, routes it, and meters what
// it cost. It returns ErrCapReached, before calling any provider, when the
// reservation would pass the cap.
type Model interface {
	Call(ctx context.Context, env Env, req routing.Request) (Reply, error)
}

// Reply is one model call's answer and what it was billed.
type Reply struct {
	Result   routing.Result
	Provider string
	Model    string
	TokensIn int64
	// TokensOut includes thinking.
	TokensOut int64
	Cost      money.MicroUSD
}

// ErrCapReached stops a run cleanly: the next model call would pass the
// account's cap.
var ErrCapReached = errors.New("the account's cost cap would be passed")

// CallError is a model call's failure, in words the account may read (no
// hosts, no keys): a Model returns it so a failed run can say why.
type CallError struct{ Message string }

func (e *CallError) Error() string { return e.Message }
