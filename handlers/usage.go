package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// Ledger tells an account's settled spending in the rolling window and
// holds reservations against its cap.
type Ledger interface {
	Reserver
	Used(account uint64) (money.MicroUSD, error)
	Reserved(account uint64) (money.MicroUSD, error)
}

type usageAnswer struct {
	Status UsageStatus `json:"status"`
	// Breakdown is there when the query asks for one (group_by).
	Breakdown *UsageBreakdown `json:"breakdown,omitempty"`
}

// UsageStatus is an account's 30-day window against its tier's cap, as
// GET /v1/usage shows it.
type UsageStatus struct {
	Tier         string         `json:"tier"`
	CapUSD       money.MicroUSD `json:"cap_usd"`
	UsedUSD      money.MicroUSD `json:"used_usd"`
	RemainingUSD money.MicroUSD `json:"remaining_usd"`
	Percent      int            `json:"percent"`
	Blocked      bool           `json:"blocked"`
	// ReservedUSD (beyond the contract) is held by calls under way and
	// video jobs not yet ended: a call that would pass remaining_usd less
	// this is refused.
	ReservedUSD money.MicroUSD `json:"reserved_usd"`
}

// usage answers GET /v1/usage: the 30-day window against the tier's cap,
// and with group_by the window's calls summed by day, endpoint, model or
// key.
func (a *API) usage(w http.ResponseWriter, r *http.Request, call *Call) {
	groupBy := r.URL.Query().Get("group_by")
	if _, ok := usageGroupings[groupBy]; groupBy != "" && !ok {
		a.Errors.WriteParam(w, CodeInvalidField, "group_by must be day, endpoint, model or key.", "group_by")
		return
	}
	s, err := a.UsageOf(call.Identity.UserID)
	switch {
	case errors.Is(err, metering.ErrStoreUnavailable):
		a.storeUnavailable(w)
		return
	case err != nil:
		a.Errors.Internal(w, err, "Usage could not be read; try again.")
		return
	}
	answer := usageAnswer{Status: s}
	if groupBy != "" {
		b, err := a.usageBreakdown(call.Identity.UserID, groupBy)
		if err != nil {
			a.auditReadError(w, err)
			return
		}
		answer.Breakdown = &b
	}
	WriteJSON(w, http.StatusOK, answer)
}

// UsageOf is an account's usage status, for GET /v1/usage and the
// dashboard alike.
func (a *API) UsageOf(user uint64) (UsageStatus, error) {
	u, err := a.Users.User(user)
	if err != nil {
		return UsageStatus{}, fmt.Errorf("reading account %d: %w", user, err)
	}
	used, err := a.Ledger.Used(u.ID)
	if err != nil {
		return UsageStatus{}, fmt.Errorf("reading the usage of account %d: %w", user, err)
	}
	reserved, err := a.Ledger.Reserved(u.ID)
	if err != nil {
		return UsageStatus{}, fmt.Errorf("reading the reservations of account %d: %w", user, err)
	}
	limit := a.tierOf(u).Cap
	s := UsageStatus{Tier: u.Tier, CapUSD: limit, UsedUSD: used, RemainingUSD: max(limit-used, 0), ReservedUSD: reserved, Blocked: used >= limit}
	switch {
	case limit > 0:
		s.Percent = int(min(used, limit) * 100 / limit)
	case s.Blocked:
		s.Percent = 100
	}
	return s, nil
}
