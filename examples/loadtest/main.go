// Command loadtest measures what the Kaine gateway adds to a model call,
// next to Caddy's plain reverse_proxy in the same binary.
//
// In one run on loopback it builds ./cmd/kaine, starts it with a generated
// Caddyfile, starts a fast fake OpenAI and Anthropic upstream in this
// process, and measures five scenarios of the same call (a chat completion
// for gpt-5.4 with max_completion_tokens 80; with -api anthropic, a message
// for claude-haiku-4-5):
//
//	direct         straight to the fake: the floor
//	reverse_proxy  through a plain reverse_proxy site of the same kaine binary: the limit
//	dropin         through /openai/v1/chat/completions (or /anthropic/v1/messages) with the
//	               full pipeline: auth, scope, rate limit, cap reservation, metering, audit
//	llm            POST /v1/llm naming the provider and model, full pipeline
//	chat           POST /v1/chat/completions, the unified endpoint, in OpenAI's shape
//	               whatever the provider: to OpenAI as is, to Anthropic translated
//	               both ways (-api anthropic); full pipeline
//	fleet          with -fleet: the drop-in through a second gateway in fleet mode, its
//	               keys, rate limit, cap, usage and audit in a redis-server on loopback
//
// Every round runs each step for the scenarios in turn, so slow drift
// (GC, caches, the machine's other work) spreads over all of them:
//
//   - open-loop latency at each of -rates for -duration: requests leave on a
//     fixed schedule whether or not earlier ones have answered, and latency
//     counts from the scheduled time, so a stall shows as latency rather than
//     as a lower send rate (no coordinated omission);
//   - maximum throughput of -workers closed-loop clients for -duration;
//   - for each of -stream-words, -stream-requests sequential streamed calls
//     of that many text chunks (within -stream-limit): time to the first
//     SSE event and to the end of the stream, and the gateway's CPU per
//     stream.
//
// It prints the medians over -rounds rounds: p50/p90/p99 per rate, maximum
// req/s, stream times, the gateway's CPU seconds per 1,000 requests; then
// the overhead over direct, its ratio to reverse_proxy's and throughput as a
// fraction of reverse_proxy's; the same for chat (and fleet) against
// dropin's, and what fleet mode adds in µs; then the gateway's RSS after each round (and
// its anonymous part, without the binary and the database's mmap), with the
// CPU other processes took meanwhile; and how late the generator sent the
// open-loop calls against their schedule.
//
// Usage, from the repository root (Linux only: it reads /proc):
//
//	go run ./examples/loadtest [flags]
//
// Flags:
//
//	-rounds N           rounds; the table shows the median (default 3)
//	-rates LIST         open-loop rates in req/s, comma-separated (default 500,2000)
//	-duration D         length of each open-loop and throughput step (default 3s)
//	-workers N          closed-loop clients for maximum throughput (default 64)
//	-stream-words LIST  lengths of the streamed answers in chunks, comma-separated;
//	                    a streaming step and a table each (default 20,100)
//	-stream-requests N  streamed calls per scenario, length and round (default 1000)
//	-stream-limit D     limit of each streaming step (default 20s)
//	-chunk-gap D        the fake's pause between stream chunks, e.g. 1ms (default 0)
//	-profile DIR        after the rounds, record the gateway's CPU profile of each
//	                    scenario under full load, and over sequential streams of
//	                    the longest length
//	-held-streams N     after the rounds, hold N streams open at once and report
//	                    the gateway's memory per open stream
//	-api NAME           wire format of the call: openai or anthropic (default openai)
//	-pin                run the gateway under taskset on CPU 0 and this process
//	                    (load generator and fake) on the other CPUs
//	                    (default on with 2 CPUs or more and taskset installed)
//	-kaine PATH         use this kaine binary instead of building ./cmd/kaine
//	-json FILE          also write the raw results, every round, as JSON
//	-fleet              also start redis-server on loopback and a second gateway
//	                    in fleet mode (pinned like the first), and measure the
//	                    drop-in through it as the scenario "fleet"
//
// A default run takes about three minutes, plus the build of the gateway.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is the run's settings, from the flags.
type config struct {
	Rounds         int           `json:"rounds"`
	Rates          positiveInts  `json:"rates"`
	Duration       time.Duration `json:"duration_ns"`
	StreamLimit    time.Duration `json:"stream_limit_ns"`
	Workers        int           `json:"workers"`
	StreamRequests int           `json:"stream_requests"`
	ChunkGap       time.Duration `json:"chunk_gap_ns"`
	StreamWords    positiveInts  `json:"stream_words"`
	API            string        `json:"api"`
	Pin            bool          `json:"pin"`
	Kaine          string        `json:"kaine,omitempty"`
	JSONPath       string        `json:"-"`
	ProfileDir     string        `json:"-"`
	HeldStreams    int           `json:"held_streams"`
	Fleet          bool          `json:"fleet"`
}

func main() {
	cfg, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func parseFlags() (config, error) {
	cfg := config{Rates: positiveInts{500, 2000}, StreamWords: positiveInts{sentenceWords, 100}}
	flag.IntVar(&cfg.Rounds, "rounds", 3, "rounds; the table shows the median")
	flag.Var(&cfg.Rates, "rates", "open-loop rates in req/s, comma-separated")
	flag.DurationVar(&cfg.Duration, "duration", 3*time.Second, "length of each open-loop and throughput step")
	flag.DurationVar(&cfg.StreamLimit, "stream-limit", 20*time.Second, "limit of each streaming step: fewer streams than -stream-requests measure less precisely")
	flag.IntVar(&cfg.Workers, "workers", 64, "closed-loop clients for maximum throughput")
	flag.IntVar(&cfg.StreamRequests, "stream-requests", 1000, "streamed calls per scenario, length and round")
	flag.DurationVar(&cfg.ChunkGap, "chunk-gap", 0, "the fake's pause between stream chunks")
	flag.Var(&cfg.StreamWords, "stream-words", "lengths of the streamed answers in words, one stream chunk each, comma-separated; each has its streaming step and table")
	flag.StringVar(&cfg.API, "api", "openai", "wire format of the call: openai or anthropic")
	flag.BoolVar(&cfg.Pin, "pin", canPin(), "gateway on CPU 0 under taskset, this process on the other CPUs")
	flag.StringVar(&cfg.Kaine, "kaine", "", "kaine binary to use instead of building ./cmd/kaine")
	flag.StringVar(&cfg.JSONPath, "json", "", "file to write the raw results to, as JSON")
	flag.IntVar(&cfg.HeldStreams, "held-streams", 0, "after the rounds, hold this many streams open at once through reverse_proxy and the drop-in route, and report the gateway's memory per open stream")
	flag.BoolVar(&cfg.Fleet, "fleet", false, "also run a second gateway in fleet mode, with redis-server on loopback, and measure the drop-in through it")
	flag.StringVar(&cfg.ProfileDir, "profile", "", "after the rounds, record the gateway's CPU profile under full load of each gateway scenario into this directory")
	flag.Parse()
	switch {
	case flag.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments %q", flag.Args())
	case cfg.Rounds < 1, cfg.Workers < 1, cfg.StreamRequests < 1:
		return cfg, errors.New("-rounds, -workers and -stream-requests must be at least 1")
	case cfg.Duration <= 0 || cfg.StreamLimit <= 0 || cfg.ChunkGap < 0:
		return cfg, errors.New("-duration and -stream-limit must be positive and -chunk-gap not negative")
	case len(cfg.Rates) == 0 || len(cfg.StreamWords) == 0:
		return cfg, errors.New("-rates and -stream-words need at least one value")
	}
	if _, ok := apis[cfg.API]; !ok {
		return cfg, fmt.Errorf("-api %q: want openai or anthropic", cfg.API)
	}
	return cfg, nil
}

// run sets up the fake and the gateway, measures, reports and tears down.
func run(cfg config) error {
	started := time.Now()
	// The generator's own GC pauses land in the latencies it measures, and
	// it holds little: collect a quarter as often.
	debug.SetGCPercent(400)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "kaine-loadtest-")
	if err != nil {
		return fmt.Errorf("creating the temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	binary := cfg.Kaine
	if binary == "" {
		// Build before pinning, so the build has every CPU.
		if binary, err = buildGateway(ctx, dir); err != nil {
			return err
		}
	}
	pinned := "not pinned"
	if cfg.Pin {
		if pinned, err = pinGenerator(ctx); err != nil {
			return err
		}
	}
	fmt.Println("pinning:", pinned)

	fake, err := startFake(cfg.ChunkGap, cfg.StreamWords)
	if err != nil {
		return err
	}
	defer fake.close()
	gw, err := startGateway(ctx, binary, dir, fake.addr, cfg.Pin, "")
	if err != nil {
		return err
	}
	defer stopGateway(gw)
	key, err := gw.createKey(ctx)
	if err != nil {
		return err
	}
	var fleet *gateway
	var fleetKey string
	if cfg.Fleet {
		redis, err := startRedis(ctx, filepath.Join(dir, "redis"))
		if err != nil {
			return err
		}
		defer redis.stop()
		fleetDir := filepath.Join(dir, "fleet")
		if err := os.MkdirAll(fleetDir, 0o700); err != nil {
			return err
		}
		if fleet, err = startGateway(ctx, binary, fleetDir, fake.addr, cfg.Pin, redis.fleetSettings()); err != nil {
			return err
		}
		defer stopGateway(fleet)
		if fleetKey, err = fleet.createKey(ctx); err != nil {
			return err
		}
	}

	targets := newTargets(apis[cfg.API], fake.url(), gw, key, fleet, fleetKey, cfg.StreamWords)
	if err := checkTargets(ctx, targets); err != nil {
		return err
	}
	fmt.Printf("api %s; %d rounds; rates %s req/s for %s; %d workers; %d streamed calls of %s chunks; chunk gap %s\n",
		cfg.API, cfg.Rounds, cfg.Rates, cfg.Duration, cfg.Workers, cfg.StreamRequests, cfg.StreamWords, cfg.ChunkGap)
	res, err := measure(ctx, cfg, targets, gw)
	if err != nil {
		return fmt.Errorf("%w\ngateway log (last lines):\n%s", err, gw.logTail())
	}
	res.Config, res.Pinned = cfg, pinned
	res.Elapsed = time.Since(started)
	printReport(os.Stdout, res)
	if cfg.JSONPath != "" {
		if err := writeJSON(cfg.JSONPath, res); err != nil {
			return err
		}
	}
	if cfg.HeldStreams > 0 {
		if err := reportHeldStreams(ctx, targets, gw, cfg.HeldStreams, cfg.StreamWords[0]); err != nil {
			return err
		}
	}
	if cfg.ProfileDir != "" {
		if err := profileGateway(ctx, targets, cfg.Workers, cfg.StreamWords[len(cfg.StreamWords)-1], cfg.ProfileDir); err != nil {
			return err
		}
	}
	fmt.Printf("\ntotal run time %s\n", res.Elapsed.Round(time.Second))
	return nil
}

// stopGateway stops a gateway, saying so when it had to be killed.
func stopGateway(gw *gateway) {
	if err := gw.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
	}
}

// positiveInts is a comma-separated flag of positive integers: -rates,
// -stream-words.
type positiveInts []int

func (r positiveInts) String() string {
	s := make([]string, len(r))
	for i, rate := range r {
		s[i] = strconv.Itoa(rate)
	}
	return strings.Join(s, ",")
}

func (r *positiveInts) Set(value string) error {
	var values positiveInts
	for _, field := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("%q: want a positive integer", field)
		}
		values = append(values, n)
	}
	*r = values
	return nil
}
