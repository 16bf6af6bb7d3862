package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// printStreams tells what a streamed answer of each length costs each
// gateway next to reverse_proxy: its CPU per stream and its time to the
// first event, the median over the rounds with their spread, so a shared
// machine's noise shows.
func printStreams(w io.Writer, res *runResult) {
	scenarios := res.Rounds[0].Scenarios
	base := slices.IndexFunc(scenarios, func(r scenarioResult) bool { return r.Scenario == baselineScenario })
	if base < 0 {
		return
	}
	for k, words := range res.Config.StreamWords {
		if k > 0 {
			fmt.Fprintln(w)
		}
		printStreamsOf(w, res, base, k, words)
	}
}

// printStreamsOf prints the table of the k-th length, words words, against
// scenario base.
func printStreamsOf(w io.Writer, res *runResult, base, k, words int) {
	scenarios := res.Rounds[0].Scenarios
	// perRound is one value of scenario s in every round.
	perRound := func(s int, value func(streamResult) float64) []float64 {
		values := make([]float64, len(res.Rounds))
		for i, round := range res.Rounds {
			values[i] = value(round.Scenarios[s].Streams[k])
		}
		return values
	}
	cpuMS := func(r streamResult) float64 {
		if r.Calls == 0 {
			return 0
		}
		return r.GatewayCPU / float64(r.Calls) * 1000
	}
	firstMicros := func(r streamResult) float64 { return float64(r.FirstEventP50.Microseconds()) }
	baseCPU, baseFirst := median(perRound(base, cpuMS)), median(perRound(base, firstMicros))

	fmt.Fprintf(w, "streams of %d chunks: gateway CPU per stream and time to the first event, median [min–max] of %d rounds\n",
		words, len(res.Rounds))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join([]string{"scenario", "cpu ms/stream", "÷ " + baselineScenario, "1st event p50 µs", "− " + baselineScenario}, "\t")+"\t")
	for s, sc := range scenarios {
		if !sc.ViaGateway {
			continue
		}
		cpu, first := perRound(s, cpuMS), perRound(s, firstMicros)
		fmt.Fprintln(tw, strings.Join([]string{sc.Scenario,
			spread(cpu, "%.3f"), fmt.Sprintf("%.2f", median(cpu)/baseCPU),
			spread(first, "%.0f"), fmt.Sprintf("%+.0f", median(first)-baseFirst)}, "\t")+"\t")
	}
	tw.Flush()
}

// spread is a median and its range: "0.412 [0.398–0.455]".
func spread(values []float64, format string) string {
	return fmt.Sprintf(format+" ["+format+"–"+format+"]", median(values), slices.Min(values), slices.Max(values))
}
