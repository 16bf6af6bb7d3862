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
// its tier's rate.
func (a *API) Limit(w http.ResponseWriter, id *accounts.Identity) bool {
	u := a.account(w, id)
	if u == nil {
		return false
	}
	d := a.Limiter.Allow(id.UserID, a.tierOf(u).RPM, a.now())
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
