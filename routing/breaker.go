package routing

import (
	"errors"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerSettings tune every provider's circuit breaker.
type BreakerSettings struct {
	// Failures in a row that open the breaker. Default: 5.
	Failures uint32
	// OpenFor is how long an open breaker refuses calls before it lets one
	// probe through (half-open). Default: 30s.
	OpenFor time.Duration
}

func (s BreakerSettings) withDefaults() BreakerSettings {
	if s.Failures == 0 {
		s.Failures = 5
	}
	if s.OpenFor <= 0 {
		s.OpenFor = 30 * time.Second
	}
	return s
}

// errClientGone marks a call the client abandoned: not the provider's
// fault, so the breaker neither counts it nor lets it close a half-open one.
var errClientGone = errors.New("client went away")

// Breakers holds one circuit breaker per provider. It outlives a config,
// so a reload neither closes an open breaker nor forgets failures; a
// reload that points a provider at another upstream gives it a fresh one,
// since the failures it counted were another server's.
type Breakers struct {
	onChange func(provider, state string)

	mu sync.Mutex
	m  map[string]*breakerEntry
}

type breakerEntry struct {
	upstream string
	settings BreakerSettings
	cb       *gobreaker.TwoStepCircuitBreaker[struct{}]
}

// NewBreakers returns an empty registry; onChange (may be nil) hears every
// state change ("closed", "half-open", "open"), e.g. for a metric.
func NewBreakers(onChange func(provider, state string)) *Breakers {
	return &Breakers{onChange: onChange, m: map[string]*breakerEntry{}}
}

// get returns the provider's breaker, made anew only when its upstream
// (base URL) or its settings changed.
func (b *Breakers) get(provider, upstream string, s BreakerSettings) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	s = s.withDefaults()
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.m[provider]; ok && e.upstream == upstream && e.settings == s {
		return e.cb
	}
	entry := &breakerEntry{upstream: upstream, settings: s}
	entry.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        provider,
		MaxRequests: 1,
		Timeout:     s.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
		OnStateChange: func(name string, _, to gobreaker.State) {
			// A replaced breaker's calls still under way do not speak for
			// the provider any more.
			if b.onChange != nil && b.current(name) == entry {
				b.onChange(name, to.String())
			}
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errClientGone) || errors.Is(err, errRefused) },
	})
	b.m[provider] = entry
	if b.onChange != nil {
		b.onChange(provider, gobreaker.StateClosed.String()) // a new breaker starts closed
	}
	return entry.cb
}

func (b *Breakers) current(provider string) *breakerEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[provider]
}
