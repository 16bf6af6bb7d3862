package agents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keinetech/kaine/money"
)

// The defaults of a Runner's limits.
const (
	DefaultStandardStepLimit = 8
	DefaultComplexStepLimit  = 16
	DefaultMaxTokens         = 8192
)

// ErrClosed is returned by Start once the runner is closing.
var ErrClosed = errors.New("the agent runner is shutting down")

// errShutdown is why Close cancels the runs it owns.
var errShutdown = errors.New("the gateway shut down during the run")

// Runner runs agents on goals and records each run in Store. Set its
// limits before the first run; it is safe for concurrent use after that.
type Runner struct {
	Store *Store
	// StandardStepLimit is the most model calls a standard agent makes
	// before it must have finished. Default: 8.
	StandardStepLimit int
	// ComplexStepLimit is the same for a complex agent. Default: 16.
	ComplexStepLimit int
	// MaxTokens bounds the output of each of the agent's model calls,
	// thinking included. Default: 8192.
	MaxTokens int
	// OnError, if set, is told what no caller would see: an asynchronous
	// run whose progress could not be saved, a tool that panicked. The
	// gateway logs it.
	OnError func(run Run, err error)
	// OnAsyncEnd, if set, is called with each asynchronous run as it was
	// last saved, once it has ended: no request is left to audit it.
	OnAsyncEnd func(Run)

	// kit is the model and tools runs start with; Use swaps it.
	kit atomic.Pointer[kit]
	// ctx is the context of the asynchronous runs: Close cancels it.
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	closed bool
	async  sync.WaitGroup
}

// NewRunner returns a runner with the default limits.
func NewRunner(model Model, tools map[string]Tool, store *Store) *Runner {
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &Runner{
		Store:             store,
		StandardStepLimit: DefaultStandardStepLimit,
		ComplexStepLimit:  DefaultComplexStepLimit,
		MaxTokens:         DefaultMaxTokens,
		ctx:               ctx,
		cancel:            cancel,
	}
	r.Use(model, tools)
	return r
}

// kit is what a run works with: the model it calls and the gateway's
// tools by name, the names an agent's allowed_tools use. A run offers the
// model only those of its agent's tools found here.
type kit struct {
	model Model
	tools map[string]Tool
}

// Use makes the runs started from now on use model and tools (a reload's
// new config); a run under way keeps those it started with, as a request
// keeps the config it came in under.
func (r *Runner) Use(model Model, tools map[string]Tool) { r.kit.Store(&kit{model, tools}) }

// Run runs agent on goal for env.Account and returns the run as it ended.
// A run that failed or stopped is not an error: its Status and Error say
// why. The error is for a run that could not be recorded.
func (r *Runner) Run(ctx context.Context, env Env, agent Agent, goal string) (Run, error) {
	run, err := r.create(env, agent, goal)
	if err != nil {
		return Run{}, err
	}
	return r.execute(ctx, env, agent, run)
}

// Start records a run with the status running, returns it at once and
// carries it out in the background; Store.Get follows its progress. Close
// ends the runs still going.
func (r *Runner) Start(env Env, agent Agent, goal string) (Run, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return Run{}, ErrClosed
	}
	r.async.Add(1)
	r.mu.Unlock()
	run, err := r.create(env, agent, goal)
	if err != nil {
		r.async.Done()
		return Run{}, err
	}
	go func() {
		defer r.async.Done()
		final, err := r.execute(r.ctx, env, agent, run)
		if err != nil && r.OnError != nil {
			r.OnError(final, err)
		}
		if r.OnAsyncEnd != nil {
			r.OnAsyncEnd(final)
		}
	}()
	return run, nil
}

// Close cancels the asynchronous runs and waits until each is saved as
// failed. Call it before closing the store's database.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel(errShutdown)
	r.async.Wait()
}

func (r *Runner) create(env Env, agent Agent, goal string) (Run, error) {
	if err := agent.check(); err != nil {
		return Run{}, fmt.Errorf("running agent %q: %w", agent.Name, err)
	}
	if strings.TrimSpace(goal) == "" {
		return Run{}, fmt.Errorf("running agent %q: the goal is empty", agent.Name)
	}
	return r.Store.Create(Run{Account: env.Account, KeyID: env.KeyID, Agent: agent.Name, Goal: goal, Steps: []Step{}})
}

// execute carries out a created run to its end. Only a failure to save
// the run is an error; the run is then marked failed, if it still can be.
func (r *Runner) execute(ctx context.Context, env Env, agent Agent, run Run) (Run, error) {
	env.RunID, env.Agent = run.ID, agent.Name
	x := &execution{runner: r, kit: r.kit.Load(), ctx: ctx, agent: agent, run: run}
	// Tools run one at a time on the run's goroutine: what they charge
	// lands in the run's cost before its next save.
	env.Charge = func(cost money.MicroUSD) { x.run.Cost += cost }
	x.env = env
	err := x.carryOut()
	if err != nil {
		x.run.Status, x.run.Error = Failed, "the run's progress could not be saved"
		x.run.Summary = "The run failed: " + x.run.Error + "."
		if saved, saveErr := r.Store.Save(x.run); saveErr == nil {
			x.run = saved
		}
		return x.run, fmt.Errorf("running agent %q: %w", agent.Name, err)
	}
	return x.run, nil
}

// stepLimit is the model calls an agent of tier gets in its first round.
func (r *Runner) stepLimit(tier Tier) int {
	if tier == Complex {
		return r.ComplexStepLimit
	}
	return r.StandardStepLimit
}
