package fleet

import (
	_ "embed"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/metering"
)

var (
	//go:embed rate_prelude.lua
	ratePrelude string
	//go:embed gcra.lua
	gcraSource string

	gcraScript = redis.NewScript(ratePrelude + gcraSource)
)

// Limiter is the per-account rate limit the whole fleet shares: the same
// GCRA as metering.RateLimiter, in one script over one key an account, so
// a burst spread over any number of instances is admitted exactly once.
type Limiter struct{ store *Store }

// Limiter returns the fleet's rate limit.
func (s *Store) Limiter() *Limiter { return &Limiter{store: s} }

// epoch is where the limiter's clock starts: microseconds since then keep
// their fraction in a Lua number (see gcra.lua).
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Allow counts one request of account against rpm requests per minute, in
// one round trip.
func (l *Limiter) Allow(account uint64, rpm int, now time.Time) (metering.RateDecision, error) {
	ctx, cancel := l.store.context()
	defer cancel()
	got, err := gcraScript.Run(ctx, l.store.client, []string{l.store.accountKey(account, "tat")}, rateArgs(rpm, now)...).Int64Slice()
	if err != nil {
		return metering.RateDecision{}, unavailable("fleet rate limit", err)
	}
	if len(got) != 4 {
		return metering.RateDecision{}, unavailable("fleet rate limit", errMalformedReply)
	}
	return decision(rpm, got), nil
}

// rateArgs are the rate's script arguments: now, the emission interval
// and the window (interval × rpm), in µs since the epoch.
func rateArgs(rpm int, now time.Time) []any {
	interval := float64(time.Minute/time.Nanosecond) / float64(rpm) / 1000
	return []any{micros(float64(now.Sub(epoch).Nanoseconds()) / 1000), micros(interval), micros(interval * float64(rpm))}
}

// decision reads the rate's answer: allowed, remaining, reset and retry
// after (µs).
func decision(rpm int, got []int64) metering.RateDecision {
	return metering.RateDecision{
		Allowed:    got[0] == 1,
		Limit:      rpm,
		Remaining:  int(got[1]),
		Reset:      time.Duration(got[2]) * time.Microsecond,
		RetryAfter: time.Duration(got[3]) * time.Microsecond,
	}
}

func micros(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
