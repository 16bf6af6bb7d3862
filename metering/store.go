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

// Renewer is a ledger whose holds end with a lease (a fleet's): a hold
// kept past its call, a video job's, is renewed while the job runs.
type Renewer interface {
	// Renew keeps the holds open for another lease. A hold whose lease
	// ended meanwhile is held again (its job was admitted under the cap
	// and still runs); a settled one stays settled. With resumed, a hold
	// the store no longer knows of is held again too: only for holds
	// nothing can have settled, such as those a restart resumes.
	Renew(held []Reservation, resumed bool) error
}
