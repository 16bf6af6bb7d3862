package handlers

import (
	"net/http"

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
	Status usageStatus `json:"status"`
}

type usageStatus struct {
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

// usage answers GET /v1/usage: the 30-day window against the tier's cap.
func (a *API) usage(w http.ResponseWriter, _ *http.Request, call *Call) {
	u := a.account(w, call.Identity)
	if u == nil {
		return
	}
	used, err := a.Ledger.Used(u.ID)
	reserved, rerr := a.Ledger.Reserved(u.ID)
	if err != nil || rerr != nil {
		a.Errors.Write(w, CodeInternal, "Usage could not be read; try again.")
		return
	}
	limit := a.tierOf(u).Cap
	s := usageStatus{Tier: u.Tier, CapUSD: limit, UsedUSD: used, RemainingUSD: max(limit-used, 0), ReservedUSD: reserved, Blocked: used >= limit}
	switch {
	case limit > 0:
		s.Percent = int(min(used, limit) * 100 / limit)
	case s.Blocked:
		s.Percent = 100
	}
	WriteJSON(w, http.StatusOK, usageAnswer{Status: s})
}
