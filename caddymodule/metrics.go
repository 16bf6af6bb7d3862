package caddymodule

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// The collectors are package-level and registered again with each config's
// registry (Caddy makes a new one per load), so counts survive reloads.
// Labels are providers and table models only: bounded, never a user or key.
var (
	providerCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "provider", Name: "calls_total",
		Help: "Upstream calls by provider, model and outcome (ok, failed, refused, cancelled).",
	}, []string{"provider", "model", "outcome"})
	providerFailovers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "provider", Name: "failovers_total",
		Help: "Calls handed from a failed provider to the next one.",
	}, []string{"provider"})
	providerBreaker = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "kaine", Subsystem: "provider", Name: "breaker_state",
		Help: "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.",
	}, []string{"provider"})
	providerLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "kaine", Subsystem: "provider", Name: "latency_seconds",
		Help:    "Time waiting on one upstream call, stream included.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
	}, []string{"provider"})
	llmCost = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "llm", Name: "cost_usd_total",
		Help: "USD charged to accounts for model calls, by provider and model.",
	}, []string{"provider", "model"})
	llmTokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "llm", Name: "tokens_total",
		Help: "Tokens billed by provider, model and kind (input, output, cache_read, cache_write).",
	}, []string{"provider", "model", "kind"})

	passthroughUnmetered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "passthrough", Name: "unmetered_total",
		Help: "Drop-in calls billed nothing because their usage could not be read or their model has no price.",
	}, []string{"provider", "reason"})

	providerModels = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "kaine", Subsystem: "provider", Name: "models",
		Help: "From the provider's own model list: models it serves without a price here (state unpriced), and priced models it no longer lists (unserved).",
	}, []string{"provider", "state"})
	unpricedCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Name: "unpriced_calls_total",
		Help: "Calls to a model the table does not price, served under the provider's unpriced policy (free or price_as).",
	}, []string{"provider", "policy"})
)

// The fleet's store, when a config names one.
var (
	fleetRoundTrips = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "kaine", Subsystem: "fleet", Name: "redis_seconds",
		Help:    "Round trips to the fleet's Redis by operation (a script's name, a command's, or pipeline:<first>).",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5},
	}, []string{"op"})
	fleetErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "fleet", Name: "redis_errors_total",
		Help: "Round trips to the fleet's Redis that failed (unreachable, timed out, or a script's error), by operation.",
	}, []string{"op"})
	fleetUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "kaine", Subsystem: "fleet", Name: "up",
		Help: "1 when the last round trip to the fleet's Redis succeeded, 0 when it failed: calls that spend are then refused.",
	})
	fleetLeasesOpen = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "kaine", Subsystem: "fleet", Name: "leases_open",
		Help: "Cap holds this instance made whose settle Redis has not yet taken.",
	})
	fleetLeasesReclaimed = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "kaine", Subsystem: "fleet", Name: "leases_reclaimed_total",
		Help: "Holds taken back at the end of their lease (their instance died or lost Redis), seen by this instance.",
	})
	internalErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "kaine", Name: "internal_errors_total",
		Help: "Faults of Kaine's own (a database error, say): answered internal_error, or met after an answer; each is logged with its request ID.",
	})
)

var collectors = []prometheus.Collector{providerCalls, providerFailovers, providerBreaker, providerLatency, llmCost, llmTokens,
	passthroughUnmetered, unpricedCalls, providerModels, fleetRoundTrips, fleetErrors, fleetUp, fleetLeasesOpen, fleetLeasesReclaimed, internalErrors}

// observeFleet hears of every round trip to the fleet's Redis.
func observeFleet(op string, took time.Duration, err error) {
	fleetRoundTrips.WithLabelValues(op).Observe(took.Seconds())
	if err != nil {
		fleetErrors.WithLabelValues(op).Inc()
		fleetUp.Set(0)
		return
	}
	fleetUp.Set(1)
}

func countUnmetered(provider, reason string) {
	passthroughUnmetered.WithLabelValues(provider, reason).Inc()
}

func countUnpricedServed(provider, policy string) {
	unpricedCalls.WithLabelValues(provider, policy).Inc()
}

// registerMetrics adds Kaine's collectors to a config's registry.
func registerMetrics(reg prometheus.Registerer) error {
	for _, c := range collectors {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return err
		}
	}
	return nil
}

var breakerStates = map[string]float64{"closed": 0, "half-open": 1, "open": 2}

func breakerChanged(provider, state string) {
	providerBreaker.WithLabelValues(provider).Set(breakerStates[state])
}

// metricsObserver feeds the router's events to the collectors.
type metricsObserver struct{}

func (metricsObserver) Attempted(provider, model, outcome string, latency time.Duration) {
	providerCalls.WithLabelValues(provider, model, outcome).Inc()
	providerLatency.WithLabelValues(provider).Observe(latency.Seconds())
}

func (metricsObserver) FailedOver(from string) { providerFailovers.WithLabelValues(from).Inc() }

func (metricsObserver) Billed(provider, model string, u routing.Usage, cost money.MicroUSD) {
	llmCost.WithLabelValues(provider, model).Add(float64(cost) / 1e6)
	for _, t := range [...]struct {
		kind string
		n    int64
	}{{"input", u.Input}, {"output", u.Output}, {"cache_read", u.CacheRead}, {"cache_write", u.CacheWrite + u.CacheWrite1h}} {
		if t.n > 0 {
			llmTokens.WithLabelValues(provider, model, t.kind).Add(float64(t.n))
		}
	}
}
