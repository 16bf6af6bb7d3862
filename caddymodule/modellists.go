package caddymodule

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/keinetech/kaine/modellist"
	"github.com/keinetech/kaine/routing"
)

const (
	// defaultModelListInterval is how often a provider's model list is
	// read again: lists change when models launch or retire, weekly at most.
	defaultModelListInterval = 6 * time.Hour
	// modelListRetry is how soon a list that could not be read is tried
	// again, unless the interval is shorter.
	modelListRetry = 5 * time.Minute
	// modelListCheck is how often the watcher looks for stale lists.
	modelListCheck = time.Minute
	// modelListTimeout bounds one provider's listing, all pages.
	modelListTimeout = 30 * time.Second
	// minModelListInterval keeps a mistyped interval from listing a
	// provider every few milliseconds.
	minModelListInterval = time.Minute
)

// servedModels is one read of a provider's model list.
type servedModels struct {
	ids []string
	at  time.Time
	err error
}

// modelListCache keeps each upstream's last list across reloads, so a
// reload does not read them all again before they are due.
type modelListCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]servedModels
}

// upstreamKey identifies what a list depends on: the provider, where it
// is, and the key (a different account may see other models), hashed.
func upstreamKey(name string, p Provider, key string) [sha256.Size]byte {
	return sha256.Sum256([]byte(name + "\x00" + p.BaseURL + "\x00" + key))
}

func (c *modelListCache) get(k [sha256.Size]byte) (servedModels, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[k]
	return s, ok
}

func (c *modelListCache) put(k [sha256.Size]byte, s servedModels) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[sha256.Size]byte]servedModels{}
	}
	if old, ok := c.m[k]; ok && s.err != nil {
		s.ids = old.ids // a failed read keeps the last good list
	}
	c.m[k] = s
}

// modelListInterval is the configured interval; negative: never read.
func (a *App) modelListInterval() time.Duration {
	if a.ModelListInterval == 0 {
		return defaultModelListInterval
	}
	return time.Duration(a.ModelListInterval)
}

// watchModelLists reads each configured provider's model list now and
// whenever it is due, until this config stops, and shows how each differs
// from the price table in /v1/providers and the kaine_provider_models gauge.
func (a *App) watchModelLists(router *routing.Router) {
	interval := a.modelListInterval()
	if interval < 0 {
		return
	}
	// A provider this config dropped keeps no series.
	providerModels.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	a.stopListing, a.listed = cancel, make(chan struct{})
	go func() {
		defer close(a.listed)
		tick := time.NewTicker(modelListCheck)
		defer tick.Stop()
		for {
			a.readModelLists(ctx, router, interval)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// readModelLists reads the lists that are due and publishes every
// provider's drift. A provider that cannot be listed is a warning.
func (a *App) readModelLists(ctx context.Context, router *routing.Router, interval time.Duration) {
	for _, name := range sortedKeys(a.Providers) {
		p, key := a.Providers[name], a.providerKeys[name]
		if key == "" && !a.keyless(name) {
			continue
		}
		k := upstreamKey(name, p, key)
		last, ok := a.runtime.modelLists.get(k)
		if !ok || time.Since(last.at) >= interval || last.err != nil && time.Since(last.at) >= min(interval, modelListRetry) {
			listCtx, cancel := context.WithTimeout(ctx, modelListTimeout)
			ids, err := modellist.List(listCtx, a.runtime.httpClient(name, p.BaseURL), p.Protocol, p.BaseURL, key)
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				a.logger.Warn("reading the provider's model list failed; /v1/providers shows the last good one",
					zap.String("provider", name), zap.Error(err))
			}
			a.runtime.modelLists.put(k, servedModels{ids: ids, at: time.Now(), err: err})
			last, _ = a.runtime.modelLists.get(k)
		}
		router.SetLiveModels(name, liveModels(router, name, last))
	}
}

// liveModels compares a provider's list with the table's prices for it.
// A retired model still listed is covered (it is refused, not unpriced),
// and one no longer listed is no news. Fine-tuned models (ft:…) are the
// operator's own: callers of /v1/providers do not see them.
func liveModels(router *routing.Router, provider string, served servedModels) *routing.LiveModels {
	now := time.Now()
	table := router.Table()
	ids := slices.DeleteFunc(slices.Clone(served.ids), func(id string) bool { return strings.HasPrefix(id, "ft:") })
	drift := modellist.Compare(ids, router.PricedIDs(provider), func(pricedID, servedID string) bool {
		m, ok := table.ForUpstream(provider, servedID)
		return ok && m.ID == pricedID
	})
	unserved := slices.DeleteFunc(drift.Unserved, func(id string) bool { return table.Model(id).Retired(now) != nil })
	live := &routing.LiveModels{CheckedAt: served.at, Unpriced: orEmpty(drift.Unpriced), Unserved: orEmpty(unserved)}
	if served.err != nil {
		live.Error = listFailure(served.err)
	}
	if served.ids == nil && served.err != nil {
		live.Unserved = []string{} // nothing was read: nothing can be said to be gone
	}
	providerModels.WithLabelValues(provider, "unpriced").Set(float64(len(live.Unpriced)))
	providerModels.WithLabelValues(provider, "unserved").Set(float64(len(live.Unserved)))
	return live
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// listFailure says why a list could not be read without the upstream's
// address or its words, which the log has: /v1/providers is read by every
// account.
func listFailure(err error) string {
	var status *modellist.StatusError
	switch {
	case errors.As(err, &status):
		return fmt.Sprintf("the provider answered HTTP %d", status.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return "the provider did not answer in time"
	}
	return "the provider could not be reached, or its answer was not a model list"
}
