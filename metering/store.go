package metering

import (
	"errors"
	"time"

	"github.com/keinetech/kaine/money"
)

// ErrStoreUnavailable means the state a fleet of gateways shares (its
// Redis) could not be reached or did not answer in time.
var ErrStoreUnavailable = errors.New("the fleet's shared store is unavailable")

// Limiter is the rate limit's state: the RateLimiter in this process, or
// the fleet's shared one. Allow fails only with ErrStoreUnavailable.
type Limiter interface {
	Allow(account uint64, rpm int, now time.Time) (RateDecision, error)
}

// Admitter counts a call against its account's rate and holds its worst
// case against the cap in one step: a fleet's one round trip before an
// answer. A refused rate returns its decision and no reservation; a
// reached cap, ErrCapReached with the decision.
type Admitter interface {
	Admit(account uint64, rpm int, now time.Time, capacity, estimate money.MicroUSD) (RateDecision, Reservation, error)
}
