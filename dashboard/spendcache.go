package dashboard

import (
	"sync"
	"time"

	"github.com/keinetech/kaine/metering"
)

// spendCache keeps each account's breakdown for a short while: summing it
// reads every audit record of the window, and a page reloaded in a loop
// must not make the gateway do that each time.
type spendCache struct {
	mu sync.Mutex
	m  map[uint64]cachedSpend
}

type cachedSpend struct {
	since, at time.Time
	b         metering.Breakdown
}

const (
	// spendFresh is how long a breakdown is shown before it is summed again.
	spendFresh = 30 * time.Second
	// spendCacheSize bounds the accounts kept; past it the cache starts over.
	spendCacheSize = 1000
)

// of returns the account's breakdown since a time, summed by sum unless
// one of the same window is fresh.
func (c *spendCache) of(user uint64, since, now time.Time, sum func(uint64, time.Time) (metering.Breakdown, error)) (metering.Breakdown, error) {
	c.mu.Lock()
	hit, ok := c.m[user]
	c.mu.Unlock()
	if ok && hit.since.Equal(since) && now.Sub(hit.at) < spendFresh {
		return hit.b, nil
	}
	b, err := sum(user, since)
	if err != nil {
		return metering.Breakdown{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= spendCacheSize {
		c.m = map[uint64]cachedSpend{}
	}
	c.m[user] = cachedSpend{since: since, at: now, b: b}
	return b, nil
}
