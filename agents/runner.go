package agents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/keinetech/kaine/money"
)

// The defaults of a Runner's limits.
const (
	DefaultStandardStepLimit  = 8
	DefaultComplexStepLimit   = 16
	DefaultMaxTokens          = 8192
	DefaultMaxAsyncPerAccount = 4
)

// Errors of Start.
var (
	// ErrClosed: the runner is closing.
	ErrClosed = errors.New("the agent runner is shutting down")
	// ErrBusy: the account already has MaxAsyncPerAccount runs under way.
	ErrBusy = errors.New("too many agent runs under way for the account")
)

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
	// MaxAsyncPerAccount bounds an account's asynchronous runs under way.
	// Default: 4.
	MaxAsyncPerAccount int

	// slots, when set, count the runs under way with other runners' (a
	// fleet's): see ShareSlots.
	slots Slots
	// ctx is the context of the asynchronous runs: Close cancels it.
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	closed bool
	// async counts each account's asynchronous runs under way; wg waits
	// for them all.
	async map[uint64]int
	wg    sync.WaitGroup
}

// NewRunner returns a runner with the default limits.
func NewRunner(store *Store) *Runner {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Runner{
		Store:              store,
		StandardStepLimit:  DefaultStandardStepLimit,
		ComplexStepLimit:   DefaultComplexStepLimit,
		MaxTokens:          DefaultMaxTokens,
		MaxAsyncPerAccount: DefaultMaxAsyncPerAccount,
		ctx:                ctx,
		cancel:             cancel,
		async:              map[uint64]int{},
	}
}

// Kit is what a run works with: the model it calls and the gateway's
// tools by name, the names an agent's allowed_tools use. A run offers the
// model only those of its agent's tools found here. Each config has its
// own; a run keeps the one it started with, as a request keeps the config
// it came in under.
type Kit struct {
	Model Model
	Tools map[string]Tool
}

// Run runs agent on goal for env.Account and returns the run as it ended.
// A run that failed or stopped is not an error: its Status and Error say
// why. The error is for a run that could not be recorded.
func (r *Runner) Run(ctx context.Context, kit Kit, env Env, agent Agent, goal string) (Run, error) {
	run, err := r.create(kit, env, agent, goal)
	if err != nil {
		return Run{}, err
	}
	return r.execute(ctx, kit, env, agent, run)
}

// Start records a run with the status running, returns it at once and
// carries it out in the background; Store.Get follows its progress. Close
// ends the runs still going.
func (r *Runner) Start(kit Kit, env Env, agent Agent, goal string) (Run, error) {
	release, err := r.admit(env.Account)
	if err != nil {
		return Run{}, err
	}
	run, err := r.create(kit, env, agent, goal)
	if err != nil {
		release()
		return Run{}, err
	}
	go func() {
		defer release()
		final, err := r.execute(r.ctx, kit, env, agent, run)
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
	r.wg.Wait()
}

// Slots count the accounts' asynchronous runs under way where runners
// share the limit (a fleet's, through its Redis).
type Slots interface {
	// Take takes one of the account's max slots and names it; ok is false
	// when all are taken.
	Take(account uint64, max int) (slot uint64, ok bool, err error)
	// Give gives a slot back.
	Give(account, slot uint64)
}

// ShareSlots makes the limit on asynchronous runs count those of every
// runner sharing slots, as well as this one's; nil counts this one's
// only. Runs under way give their slot back where they took it.
func (r *Runner) ShareSlots(slots Slots) {
	r.mu.Lock()
	r.slots = slots
	r.mu.Unlock()
}

// admit counts an asynchronous run in, unless the runner is closing or
// the account has MaxAsyncPerAccount under way, here or (with shared
// slots) anywhere: each holds a goroutine and provider connections, and
// nothing else bounds them. release counts it out.
func (r *Runner) admit(account uint64) (release func(), err error) {
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return nil, ErrClosed
	case r.async[account] >= r.MaxAsyncPerAccount:
		r.mu.Unlock()
		return nil, ErrBusy
	}
	r.async[account]++
	r.wg.Add(1)
	shared := r.slots
	r.mu.Unlock()
	release = func() { r.done(account) }
	if shared == nil {
		return release, nil
	}
	slot, ok, err := shared.Take(account, r.MaxAsyncPerAccount)
	switch {
	case err != nil:
		release()
		return nil, fmt.Errorf("counting the account's agent runs: %w", err)
	case !ok:
		release()
		return nil, ErrBusy
	}
	return func() { shared.Give(account, slot); r.done(account) }, nil
}

func (r *Runner) done(account uint64) {
	r.mu.Lock()
	if r.async[account]--; r.async[account] == 0 {
		delete(r.async, account)
	}
	r.mu.Unlock()
	r.wg.Done()
}

func (r *Runner) create(kit Kit, env Env, agent Agent, goal string) (Run, error) {
	if kit.Model == nil {
		return Run{}, fmt.Errorf("running agent %q: no model to call", agent.Name)
	}
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
func (r *Runner) execute(ctx context.Context, kit Kit, env Env, agent Agent, run Run) (Run, error) {
	env.RunID, env.Agent = run.ID, agent.Name
	x := &execution{runner: r, kit: kit, ctx: ctx, agent: agent, run: run}
	// Tools run one at a time on the run's goroutine: what they charge
	// lands in the run's cost before its next save.
	env.Charge = func(cost money.MicroUSD) { x.run.Cost += cost; x.run.ToolCost += cost }
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
