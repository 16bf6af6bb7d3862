package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

// fallbackTier is the tier name used when an account's tier is no longer
// configured (an operator removed it): the smallest contract tier.
const fallbackTier = "starter"

// tierOf returns the limits of an account's tier.
func (a *API) tierOf(u *accounts.User) metering.Tier {
	if t, ok := a.Tiers[u.Tier]; ok {
		return t
	}
	return a.Tiers[fallbackTier]
}

// Limit is the pipeline's rate-limit step. It sets the X-RateLimit-* headers
// on every authenticated answer and writes the 429 when the account is over
// its tier's rate. When a fleet's shared limit cannot be read, a call to a
// route that spends (write scope) is refused with 503 store_unavailable,
// and one that only reads is limited by this instance's own count.
//
// With an Admitter (a fleet), a route that Reserves has its check put off
// until its reservation, which makes both at once; the pipeline's answer
// hook (CheckDueRate) makes it if the call answers without one.
func (a *API) Limit(w http.ResponseWriter, call *Call, route *Route) bool {
	u := a.account(w, call.Identity)
	if u == nil {
		return false
	}
	rpm, now := a.tierOf(u).RPM, a.now()
	if a.Admitter != nil && route.Reserves {
		call.rateDue = &dueRate{rpm: rpm, at: now}
		return true
	}
	return a.countRate(w, call.Identity.UserID, rpm, now, route.Scope == accounts.ScopeWrite)
}

// CheckDueRate makes the rate check Limit put off, for a call that answers
// or reaches further without a reservation; it writes the refusal and
// reports false. Without a check due it does nothing.
func (a *API) CheckDueRate(w http.ResponseWriter, call *Call) bool {
	due := call.rateDue
	if due == nil {
		return true
	}
	call.rateDue = nil
	return a.countRate(w, call.Identity.UserID, due.rpm, due.at, true)
}

// countRate counts one call of account against rpm, sets the headers, and
// writes the refusal. When the shared limit cannot be read, a call that
// spends is refused; one that only reads counts against this instance's.
func (a *API) countRate(w http.ResponseWriter, account uint64, rpm int, now time.Time, spends bool) bool {
	d, err := a.Limiter.Allow(account, rpm, now)
	if err != nil {
		if spends {
			a.storeUnavailable(w)
			return false
		}
		d, _ = a.degradedLimiter.Allow(account, rpm, now)
	}
	return a.rateAnswer(w, d)
}

// rateAnswer sets the X-RateLimit-* headers of a decision and, when it
// refuses, writes the 429.
func (a *API) rateAnswer(w http.ResponseWriter, d metering.RateDecision) bool {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilSeconds(d.Reset), 10))
	if d.Allowed {
		return true
	}
	retry := ceilSeconds(d.RetryAfter)
	h.Set("Retry-After", strconv.FormatInt(retry, 10))
	a.Errors.Write(w, CodeRateLimitExceeded, "This account is over its "+strconv.Itoa(d.Limit)+
		" requests per minute; retry in "+strconv.FormatInt(retry, 10)+"s, or move to a higher tier.")
	return false
}

// storeRetryAfter is what a call refused for want of the fleet's store is
// told to wait: long enough for a Redis failover, short enough to resume
// soon after.
const storeRetryAfter = "2"

// storeUnavailable writes the 503 for a call that would spend while the
// fleet's shared state cannot be reached.
func (a *API) storeUnavailable(w http.ResponseWriter) {
	a.Errors.Send(w, errStoreUnavailable)
}

var errStoreUnavailable = &apiError{code: CodeStoreUnavailable, message: "The gateway cannot reach the state its fleet shares, so it admits no call that spends; retry in " +
	storeRetryAfter + "s."}

// ceilSeconds rounds up to whole seconds, at least 1 for any wait at all.
func ceilSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
