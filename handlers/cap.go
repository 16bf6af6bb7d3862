package handlers

import (
	"errors"
	"net/http"

	"github.com/keinetech/kaine/metering"

	"github.com/keinetech/kaine/money"
)

// Reserver holds and settles spending against an account's cap.
type Reserver interface {
	Reserve(account uint64, capacity, estimate money.MicroUSD) (metering.Reservation, error)
	Settle(r metering.Reservation, cost money.MicroUSD)
	Release(r metering.Reservation)
}

// Reserve is the pipeline's cap step, called by a billable endpoint once it
// knows its worst-case cost: it holds estimate against the caller's cap, or
// writes the 429 and reports false. The endpoint must then call
// call.Settle with the real cost (or 0) however the call ends.
func (a *API) Reserve(w http.ResponseWriter, call *Call, estimate money.MicroUSD) bool {
	if call.rateDue != nil {
		return a.admit(w, call, estimate)
	}
	if err := a.reserve(call, estimate); err != nil {
		a.Errors.Send(w, err)
		return false
	}
	return true
}

// reserve is Reserve for work that answers no request of its own (an
// agent's tool): the refusal is returned, not written.
func (a *API) reserve(call *Call, estimate money.MicroUSD) *apiError {
	u, err := a.Users.User(call.Identity.UserID)
	if err != nil {
		return accountError(err)
	}
	capacity := a.tierOf(u).Cap
	r, err := a.Ledger.Reserve(u.ID, capacity, estimate)
	switch {
	case errors.Is(err, metering.ErrCapReached):
		return capReached(estimate, capacity)
	case errors.Is(err, metering.ErrStoreUnavailable):
		return errStoreUnavailable
	case err != nil:
		return internalError("Usage could not be read; try again.", err)
	}
	call.reservation, call.reserved, call.ledger = r, true, a.Ledger
	return nil
}

// admit is Reserve for a call whose rate check Limit put off: both in one
// step (metering.Admitter), the rate's headers set and its refusal first.
func (a *API) admit(w http.ResponseWriter, call *Call, estimate money.MicroUSD) bool {
	due := call.rateDue
	call.rateDue = nil
	u, err := a.Users.User(call.Identity.UserID)
	if err != nil {
		a.Errors.Send(w, accountError(err))
		return false
	}
	capacity := a.tierOf(u).Cap
	d, r, err := a.Admitter.Admit(u.ID, due.rpm, due.at, capacity, estimate)
	switch {
	case err != nil && !errors.Is(err, metering.ErrCapReached):
		a.storeUnavailable(w)
		return false
	case !a.rateAnswer(w, d):
		return false
	case err != nil:
		a.Errors.Send(w, capReached(estimate, capacity))
		return false
	}
	call.reservation, call.reserved, call.ledger = r, true, a.Ledger
	return true
}

// capReached is the refusal of a call whose worst case would pass the cap.
func capReached(estimate, capacity money.MicroUSD) *apiError {
	return &apiError{code: CodeUsageCapReached, message: "This call could cost up to $" + estimate.String() +
		", which would pass the account's $" + capacity.String() + " 30-day cap. Check GET /v1/usage, lower max_tokens, or move to a higher tier."}
}

// Settle ends the call's reservation with its real cost and puts the cost
// in the audit record. Calling it without a reservation, or twice, does
// nothing.
func (c *Call) Settle(cost money.MicroUSD) {
	if !c.reserved {
		return
	}
	c.reserved = false
	c.ledger.Settle(c.reservation, cost)
	c.Audit.Cost = cost
}

// Release ends a reservation the endpoint did not settle, recording no
// cost; the pipeline calls it after every endpoint so none can leak.
func (c *Call) Release() {
	if !c.reserved {
		return
	}
	c.reserved = false
	c.ledger.Release(c.reservation)
}

// detachReservation hands the call's reservation to whoever will settle it
// after the request (a video job), so the pipeline no longer releases it.
func (c *Call) detachReservation() metering.Reservation {
	c.reserved = false
	return c.reservation
}
