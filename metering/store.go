package metering

import (
	"errors"
	"time"
)

// ErrStoreUnavailable means the state a fleet of gateways shares (its
// Redis) could not be reached or did not answer in time.
var ErrStoreUnavailable = errors.New("the fleet's shared store is unavailable")

// Limiter is the rate limit's state: the RateLimiter in this process, or
// the fleet's shared one. Allow fails only with ErrStoreUnavailable.
type Limiter interface {
	Allow(account uint64, rpm int, now time.Time) (RateDecision, error)
}
