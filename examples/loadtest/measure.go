package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"
)

const (
	// warmupDuration is how long each scenario runs closed-loop before the
	// first round, to open connections and fill the gateway's caches.
	warmupDuration = 500 * time.Millisecond
	// settle is the pause before each step, so the gateway's batched
	// writes of one step (audit records every 250 ms by default) land
	// outside the next, whose CPU they would count.
	settle = 300 * time.Millisecond
)

// runResult is everything one run measured; -json writes it as is.
type runResult struct {
	Config      config        `json:"config"`
	Pinned      string        `json:"pinned"`
	StartMemory memory        `json:"gateway_memory_after_warmup"`
	Rounds      []roundResult `json:"rounds"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// roundResult is one round: every scenario, in the table's order.
type roundResult struct {
	Scenarios     []scenarioResult `json:"scenarios"`
	GatewayMemory memory           `json:"gateway_memory"` // after the round
	// OthersCPU is the CPU the machine's other processes used during the
	// round, in cores: what may have disturbed it.
	OthersCPU float64       `json:"others_cpu_cores"`
	Elapsed   time.Duration `json:"elapsed_ns"`
}

// scenarioResult is one scenario's steps in one round.
type scenarioResult struct {
	Scenario   string           `json:"scenario"`
	ViaGateway bool             `json:"via_gateway"`
	Rates      []openLoopResult `json:"rates"` // in -rates order
	Throughput closedLoopResult `json:"throughput"`
	// Streams are the streaming steps, one per length of answer, in
	// -stream-words order.
	Streams []streamResult `json:"streams"`
}

// measure warms every scenario up, then runs the rounds.
func measure(ctx context.Context, cfg config, targets []*target, gw *gateway) (*runResult, error) {
	for _, t := range targets {
		if res := closedLoop(ctx, t, cfg.Workers, warmupDuration); res.Errors > 0 {
			return nil, fmt.Errorf("warm-up of %s: %d errors, the first: %s", t.name, res.Errors, res.FirstError)
		}
	}
	res := &runResult{}
	var err error
	if res.StartMemory, err = readMemory(gw.pid()); err != nil {
		return nil, err
	}
	cpu := newCPUMeter()
	for _, t := range targets {
		if t.gw != nil && !slices.Contains(cpu.pids, t.gw.pid()) {
			cpu.pids = append(cpu.pids, t.gw.pid())
		}
	}
	for round := range cfg.Rounds {
		started := time.Now()
		before, err := cpu.snapshot()
		if err != nil {
			return nil, err
		}
		results, err := measureRound(ctx, cfg, targets, cpu, round)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", round+1, err)
		}
		after, err := cpu.snapshot()
		if err != nil {
			return nil, err
		}
		mem, err := readMemory(gw.pid())
		if err != nil {
			return nil, err
		}
		elapsed := time.Since(started)
		res.Rounds = append(res.Rounds, roundResult{Scenarios: results, GatewayMemory: mem,
			OthersCPU: cpu.othersCores(before, after, elapsed), Elapsed: elapsed})
		fmt.Printf("round %d/%d done in %s; gateway RSS %s\n", round+1, cfg.Rounds, elapsed.Round(time.Second), megabytes(mem.RSS))
	}
	return res, nil
}

// measureRound runs each step for all scenarios in turn, starting with a
// different scenario each round so none always follows the same one.
func measureRound(ctx context.Context, cfg config, targets []*target, cpu cpuMeter, round int) ([]scenarioResult, error) {
	results := make([]scenarioResult, len(targets))
	order := make([]int, len(targets))
	for i, t := range targets {
		results[i] = scenarioResult{Scenario: t.name, ViaGateway: t.gw != nil}
		order[i] = (i + round) % len(targets)
	}
	var err error
	for _, rate := range cfg.Rates {
		for _, i := range order {
			var r openLoopResult
			r.GatewayCPU, err = cpu.during(targets[i], func() { r = openLoop(ctx, targets[i], rate, cfg.Duration) })
			if err != nil {
				return nil, err
			}
			results[i].Rates = append(results[i].Rates, r)
		}
	}
	for _, i := range order {
		var r closedLoopResult
		r.GatewayCPU, err = cpu.during(targets[i], func() { r = closedLoop(ctx, targets[i], cfg.Workers, cfg.Duration) })
		if err != nil {
			return nil, err
		}
		results[i].Throughput = r
	}
	for _, words := range cfg.StreamWords {
		for _, i := range order {
			var r streamResult
			cpuSeconds, err := cpu.during(targets[i], func() { r = streamLoop(ctx, targets[i], words, cfg.StreamRequests, cfg.StreamLimit) })
			if err != nil {
				return nil, err
			}
			r.GatewayCPU = cpuSeconds
			results[i].Streams = append(results[i].Streams, r)
		}
	}
	return results, ctx.Err() // an interrupted step returns early; its results are not kept
}

// cpuMeter measures the gateways' CPU time around a step.
type cpuMeter struct {
	pids           []int // the gateways'
	ticksPerSecond float64
	// exact is set where threads' run times can be read (see
	// readRunTime); else a step's CPU is counted in clock ticks.
	exact bool
}

func newCPUMeter() cpuMeter {
	_, err := readRunTime(os.Getpid())
	return cpuMeter{ticksPerSecond: clockTicksPerSecond(), exact: err == nil}
}

// cpuSeconds is the CPU time process pid has used so far.
func (m cpuMeter) cpuSeconds(pid int) (float64, error) {
	if m.exact {
		d, err := readRunTime(pid)
		return d.Seconds(), err
	}
	ticks, err := readCPUTicks(pid)
	return float64(ticks) / m.ticksPerSecond, err
}

// during runs step after a settling pause and returns the CPU seconds the
// gateway used meanwhile, or 0 for a scenario that does not cross it.
func (m cpuMeter) during(t *target, step func()) (float64, error) {
	time.Sleep(settle)
	if t.gw == nil {
		step()
		return 0, nil
	}
	before, err := m.cpuSeconds(t.gw.pid())
	if err != nil {
		return 0, err
	}
	step()
	after, err := m.cpuSeconds(t.gw.pid())
	if err != nil {
		return 0, err
	}
	return after - before, nil
}

// cpuSnapshot is the CPU time, in ticks, the machine, this process and the
// gateways have used up to one moment.
type cpuSnapshot struct{ machine, self, gateway int64 }

func (m cpuMeter) snapshot() (cpuSnapshot, error) {
	var s cpuSnapshot
	var err error
	if s.machine, err = readMachineBusyTicks(); err != nil {
		return s, err
	}
	if s.self, err = readCPUTicks(os.Getpid()); err != nil {
		return s, err
	}
	for _, pid := range m.pids {
		ticks, err := readCPUTicks(pid)
		if err != nil {
			return s, err
		}
		s.gateway += ticks
	}
	return s, nil
}

// othersCores is the CPU, in cores, that processes other than this one and
// the gateways used between two snapshots.
func (m cpuMeter) othersCores(from, to cpuSnapshot, elapsed time.Duration) float64 {
	ticks := (to.machine - from.machine) - (to.self - from.self) - (to.gateway - from.gateway)
	return max(0, float64(ticks)/m.ticksPerSecond/elapsed.Seconds())
}
