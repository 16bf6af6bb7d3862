package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
)

// gatewayCPU is the CPU the pinned gateway runs on; the load generator and
// the fake take all the others.
const gatewayCPU = "0"

// canPin reports whether the gateway and the generator can each have CPUs
// of their own: two CPUs at least, and taskset to hand them out.
func canPin() bool {
	_, err := exec.LookPath("taskset")
	return err == nil && runtime.NumCPU() >= 2
}

// pinGenerator moves every thread of this process (the load generator and
// the in-process fake) off the gateway's CPU, gives the Go runtime one P
// per CPU left, and describes the split. It assumes the CPUs are numbered
// 0…NumCPU-1, as on an unrestricted machine.
func pinGenerator(ctx context.Context) (string, error) {
	if !canPin() {
		return "", fmt.Errorf("-pin needs taskset and 2 CPUs or more (this machine has %d)", runtime.NumCPU())
	}
	cpus := runtime.NumCPU() - 1
	others, label := "1", "CPU"
	if cpus > 1 {
		others, label = fmt.Sprintf("1-%d", cpus), "CPUs"
	}
	// -a: every thread. A Go process already runs several, and a new thread
	// inherits the mask of the thread that creates it.
	out, err := exec.CommandContext(ctx, "taskset", "-a", "-cp", others, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pinning the load generator to CPUs %s: %w\n%s", others, err, out)
	}
	// More Ps than CPUs would make the kernel time-slice the Ps' threads,
	// stalling runnable goroutines for whole slices.
	runtime.GOMAXPROCS(cpus)
	return fmt.Sprintf("gateway on CPU %s, load generator and fake on %s %s (taskset)", gatewayCPU, label, others), nil
}
