// Package metering limits and counts what accounts do: request rates, the
// USD usage ledger with cap reservations, and the audit log.
package metering

import (
	"sync"
	"sync/atomic"
	"time"
)

// RateLimiter enforces a per-account requests-per-minute limit with the
// generic cell rate algorithm (GCRA): each account holds one timestamp, the
// theoretical arrival time (TAT) of its next request, updated with a
// compare-and-swap. There is no lock on the hot path, and two accounts never
// share state. An account may burst its whole minute's allowance at once;
// after that, one request is allowed every minute/rpm.
type RateLimiter struct {
	accounts sync.Map // account ID → *atomic.Int64 (TAT, monotonic nanoseconds)
}

// clockBase and clockShift turn a time into monotonic nanoseconds: a wall
// clock step (NTP, an operator fixing the date) must neither free nor block
// every account. The shift keeps the result positive for any time in the
// last century, so a fresh account's zero TAT always lies in the past.
var clockBase = time.Now()

const clockShift = int64(100 * 365 * 24 * time.Hour)

func monotonic(t time.Time) int64 { return int64(t.Sub(clockBase)) + clockShift }

// RateDecision is the outcome of one check, with what the client should be
// told in the X-RateLimit-* and Retry-After headers.
type RateDecision struct {
	Allowed   bool
	Limit     int           // requests per minute
	Remaining int           // requests that would be allowed right now
	Reset     time.Duration // until the full allowance is back
	// RetryAfter is how long to wait before the next request is allowed;
	// zero when Allowed.
	RetryAfter time.Duration
}

// Allow counts one request of account against rpm requests per minute.
// rpm must be positive. It never fails.
func (l *RateLimiter) Allow(account uint64, rpm int, now time.Time) (RateDecision, error) {
	interval := int64(time.Minute) / int64(rpm) // emission interval T
	window := interval * int64(rpm)             // τ + T: how far ahead TAT may run
	tat := l.state(account)
	t := monotonic(now)
	for {
		old := tat.Load()
		base := max(old, t)
		next := base + interval
		if next-t > window {
			return RateDecision{
				Limit:      rpm,
				Reset:      time.Duration(old - t),
				RetryAfter: time.Duration(next - window - t),
			}, nil
		}
		if tat.CompareAndSwap(old, next) {
			return RateDecision{
				Allowed:   true,
				Limit:     rpm,
				Remaining: int((window - (next - t)) / interval),
				Reset:     time.Duration(next - t),
			}, nil
		}
	}
}

func (l *RateLimiter) state(account uint64) *atomic.Int64 {
	if v, ok := l.accounts.Load(account); ok {
		return v.(*atomic.Int64)
	}
	v, _ := l.accounts.LoadOrStore(account, new(atomic.Int64))
	return v.(*atomic.Int64)
}

// Sweep forgets accounts idle since before now, whose state equals a fresh
// one's; the owner calls it now and then to bound memory.
func (l *RateLimiter) Sweep(now time.Time) {
	t := monotonic(now)
	l.accounts.Range(func(k, v any) bool {
		if v.(*atomic.Int64).Load() <= t {
			l.accounts.CompareAndDelete(k, v)
		}
		return true
	})
}
