package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// The overheads are what a scenario adds over directScenario, as a ratio to
// what baselineScenario adds: plain reverse_proxy in the same binary, the
// limit for the gateway.
const (
	directScenario   = "direct"
	baselineScenario = "reverse_proxy"
	// dropInScenario is the drop-in route, and chatScenario the unified
	// endpoint, whose cost is compared with the drop-in's.
	dropInScenario = "dropin"
	chatScenario   = "chat"
	// fleetScenario is the drop-in through a gateway in fleet mode, whose
	// cost is compared with the single instance's drop-in.
	fleetScenario = "fleet"
)

// scenarioSummary is one table row: medians over the rounds.
type scenarioSummary struct {
	scenario       string
	viaGateway     bool
	rates          []rateSummary
	perSecond      float64
	throughputCPU  float64 // gateway CPU seconds per 1,000 calls
	firstEventP50  time.Duration
	firstEventP99  time.Duration
	streamTotalP50 time.Duration
	errors         int // summed over every step and round
}

type rateSummary struct {
	rate          int
	p50, p90, p99 time.Duration
	cpu           float64 // gateway CPU seconds per 1,000 calls
}

// summarize reduces the rounds to one row per scenario.
func summarize(res *runResult) []scenarioSummary {
	first := res.Rounds[0].Scenarios
	rows := make([]scenarioSummary, len(first))
	for s := range rows {
		// across is the median, over the rounds, of one value of scenario s.
		across := func(value func(scenarioResult) float64) float64 {
			values := make([]float64, len(res.Rounds))
			for i, round := range res.Rounds {
				values[i] = value(round.Scenarios[s])
			}
			return median(values)
		}
		acrossDuration := func(value func(scenarioResult) time.Duration) time.Duration {
			return time.Duration(across(func(r scenarioResult) float64 { return float64(value(r)) }))
		}
		row := scenarioSummary{
			scenario:   first[s].Scenario,
			viaGateway: first[s].ViaGateway,
			perSecond:  across(func(r scenarioResult) float64 { return r.Throughput.PerSecond }),
			throughputCPU: across(func(r scenarioResult) float64 {
				return per1k(r.Throughput.GatewayCPU, r.Throughput.Succeeded+r.Throughput.Errors)
			}),
			firstEventP50:  acrossDuration(func(r scenarioResult) time.Duration { return r.Streams[0].FirstEventP50 }),
			firstEventP99:  acrossDuration(func(r scenarioResult) time.Duration { return r.Streams[0].FirstEventP99 }),
			streamTotalP50: acrossDuration(func(r scenarioResult) time.Duration { return r.Streams[0].TotalP50 }),
		}
		for k, rate := range first[s].Rates {
			row.rates = append(row.rates, rateSummary{
				rate: rate.Rate,
				p50:  acrossDuration(func(r scenarioResult) time.Duration { return r.Rates[k].P50 }),
				p90:  acrossDuration(func(r scenarioResult) time.Duration { return r.Rates[k].P90 }),
				p99:  acrossDuration(func(r scenarioResult) time.Duration { return r.Rates[k].P99 }),
				cpu:  across(func(r scenarioResult) float64 { return per1k(r.Rates[k].GatewayCPU, r.Rates[k].Sent) }),
			})
		}
		for _, round := range res.Rounds {
			r := round.Scenarios[s]
			for _, rate := range r.Rates {
				row.errors += rate.Errors
			}
			row.errors += r.Throughput.Errors
			for _, stream := range r.Streams {
				row.errors += stream.Errors
			}
		}
		rows[s] = row
	}
	return rows
}

// per1k is CPU seconds per 1,000 calls.
func per1k(cpuSeconds float64, calls int) float64 {
	if calls == 0 {
		return 0
	}
	return cpuSeconds / float64(calls) * 1000
}

// printReport writes the tables: the measurements, the overheads, the
// gateway's memory, and any errors.
func printReport(w io.Writer, res *runResult) {
	rows := summarize(res)
	fmt.Fprintf(w, "\nmedians of %d rounds; latencies in µs; %s\n\n", len(res.Rounds), res.Pinned)
	printMeasurements(w, rows)
	direct, base, dropIn := findRow(rows, directScenario), findRow(rows, baselineScenario), findRow(rows, dropInScenario)
	if direct != nil && base != nil {
		fmt.Fprintln(w)
		printOverheads(w, rows, *direct, *base)
	}
	if direct != nil && dropIn != nil {
		var compared []scenarioSummary
		for _, name := range []string{chatScenario, fleetScenario} {
			if row := findRow(rows, name); row != nil {
				compared = append(compared, *row)
			}
		}
		if len(compared) > 0 {
			fmt.Fprintln(w)
			printOverheads(w, append([]scenarioSummary{*direct}, compared...), *direct, *dropIn)
		}
	}
	if fleet := findRow(rows, fleetScenario); fleet != nil && dropIn != nil {
		fmt.Fprintln(w)
		printFleetCost(w, *fleet, *dropIn)
	}
	fmt.Fprintln(w)
	printStreams(w, res)
	fmt.Fprintln(w)
	printRounds(w, res)
	printPacing(w, res)
	printErrors(w, res)
}

func printMeasurements(w io.Writer, rows []scenarioSummary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"scenario"}
	for _, rate := range rows[0].rates {
		header = append(header, fmt.Sprintf("%d/s p50", rate.rate), "p90", "p99")
	}
	header = append(header, "max req/s", "stream 1st p50", "1st p99", "total p50")
	for _, rate := range rows[0].rates {
		header = append(header, fmt.Sprintf("cpu s/1k %d/s", rate.rate))
	}
	header = append(header, "max", "errors")
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, row := range rows {
		cells := []string{row.scenario}
		for _, rate := range row.rates {
			cells = append(cells, micros(rate.p50), micros(rate.p90), micros(rate.p99))
		}
		cells = append(cells, fmt.Sprintf("%.0f", row.perSecond),
			micros(row.firstEventP50), micros(row.firstEventP99), micros(row.streamTotalP50))
		for _, rate := range row.rates {
			cells = append(cells, cpuCell(row.viaGateway, rate.cpu))
		}
		cells = append(cells, cpuCell(row.viaGateway, row.throughputCPU), fmt.Sprint(row.errors))
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}

// printOverheads compares every scenario with direct (what it adds) and
// that addition with reverse_proxy's.
func printOverheads(w io.Writer, rows []scenarioSummary, direct, base scenarioSummary) {
	fmt.Fprintf(w, "over %s, µs (× %s's)\n", direct.scenario, base.scenario)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"scenario"}
	for _, rate := range direct.rates {
		header = append(header, fmt.Sprintf("%d/s p50", rate.rate), "p99")
	}
	header = append(header, "req/s ÷ "+base.scenario, "stream 1st p50 − "+base.scenario)
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, row := range rows {
		if row.scenario == direct.scenario {
			continue
		}
		cells := []string{row.scenario}
		for k, rate := range row.rates {
			cells = append(cells,
				overhead(rate.p50-direct.rates[k].p50, base.rates[k].p50-direct.rates[k].p50),
				overhead(rate.p99-direct.rates[k].p99, base.rates[k].p99-direct.rates[k].p99))
		}
		cells = append(cells, fmt.Sprintf("%.2f", row.perSecond/base.perSecond),
			fmt.Sprintf("%+d", (row.firstEventP50-base.firstEventP50).Microseconds()))
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}

// printFleetCost says what fleet mode adds to the single instance's
// drop-in: the measure is the p50 in µs and throughput.
func printFleetCost(w io.Writer, fleet, single scenarioSummary) {
	fmt.Fprint(w, "fleet − dropin p50:")
	for k, rate := range fleet.rates {
		fmt.Fprintf(w, " %+d µs at %d/s;", (rate.p50 - single.rates[k].p50).Microseconds(), rate.rate)
	}
	fmt.Fprintf(w, " throughput %.2f× dropin's\n", fleet.perSecond/single.perSecond)
}

// printRounds shows the gateway's memory after each round, to show any
// growth, and how busy the rest of the machine was.
func printRounds(w io.Writer, res *runResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "gateway memory\tRSS\tanon\ttime\tother processes' CPU\t")
	fmt.Fprintf(tw, "after warm-up\t%s\t%s\t\t\t\n", megabytes(res.StartMemory.RSS), megabytes(res.StartMemory.Anon))
	for i, round := range res.Rounds {
		fmt.Fprintf(tw, "after round %d\t%s\t%s\t%s\t%.2f cores\t\n", i+1, megabytes(round.GatewayMemory.RSS),
			megabytes(round.GatewayMemory.Anon), round.Elapsed.Round(time.Second), round.OthersCPU)
	}
	tw.Flush()
}

// printPacing reports how late the generator sent open-loop calls at worst,
// a check that the latencies are the servers' and not the generator's.
func printPacing(w io.Writer, res *runResult) {
	var p50, p99 time.Duration
	for _, round := range res.Rounds {
		for _, s := range round.Scenarios {
			for _, rate := range s.Rates {
				p50, p99 = max(p50, rate.SendLagP50), max(p99, rate.SendLagP99)
			}
		}
	}
	fmt.Fprintf(w, "open-loop send lag behind schedule, worst step: p50 %s µs, p99 %s µs (included in the latencies)\n", micros(p50), micros(p99))
}

// printErrors lists every step that had errors, with its first one.
func printErrors(w io.Writer, res *runResult) {
	for i, round := range res.Rounds {
		for _, s := range round.Scenarios {
			for _, rate := range s.Rates {
				printStepErrors(w, i, s.Scenario, fmt.Sprintf("%d/s", rate.Rate), rate.errorCount)
			}
			printStepErrors(w, i, s.Scenario, "max req/s", s.Throughput.errorCount)
			for k, stream := range s.Streams {
				printStepErrors(w, i, s.Scenario, fmt.Sprintf("streams of %d words", res.Config.StreamWords[k]), stream.errorCount)
			}
		}
	}
}

func printStepErrors(w io.Writer, round int, scenario, step string, e errorCount) {
	if e.Errors > 0 {
		fmt.Fprintf(w, "ERRORS round %d %s %s: %d, the first: %s\n", round+1, scenario, step, e.Errors, e.FirstError)
	}
}

func findRow(rows []scenarioSummary, scenario string) *scenarioSummary {
	for i := range rows {
		if rows[i].scenario == scenario {
			return &rows[i]
		}
	}
	return nil
}

// overhead formats an addition over direct and its ratio to the baseline's.
func overhead(added, baseline time.Duration) string {
	if baseline <= 0 {
		return fmt.Sprintf("%d (n/a)", added.Microseconds())
	}
	return fmt.Sprintf("%d (%.2f)", added.Microseconds(), float64(added)/float64(baseline))
}

func micros(d time.Duration) string { return fmt.Sprint(d.Microseconds()) }

func cpuCell(viaGateway bool, seconds float64) string {
	if !viaGateway {
		return "-"
	}
	return fmt.Sprintf("%.3f", seconds)
}

func megabytes(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

// writeJSON writes the raw results to path.
func writeJSON(path string, res *runResult) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the results: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	return nil
}
