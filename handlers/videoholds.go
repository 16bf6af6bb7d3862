package handlers

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/videos"
)

// VideoHolds keeps the cap reservations of video jobs under way, from the
// request that submitted a job to whichever call sees it end. It outlives
// config reloads; after a restart Resume holds them again.
type VideoHolds struct {
	mu   sync.Mutex
	held map[string]metering.Reservation // job id → reservation
}

// NewVideoHolds returns an empty set of holds.
func NewVideoHolds() *VideoHolds {
	return &VideoHolds{held: map[string]metering.Reservation{}}
}

// Keep holds r for job id until Settle.
func (h *VideoHolds) Keep(id string, r metering.Reservation) {
	h.mu.Lock()
	h.held[id] = r
	h.mu.Unlock()
}

// Settle ends job id's reservation with its cost. A job whose reservation
// was lost (a crash before Resume ran) is still charged, on a hold made
// for it; when even that cannot be made (a fleet's Redis away), the error
// says what went uncharged.
func (h *VideoHolds) Settle(l Reserver, user uint64, id string, cost money.MicroUSD) error {
	h.mu.Lock()
	r, ok := h.held[id]
	delete(h.held, id)
	h.mu.Unlock()
	if !ok {
		var err error
		if r, err = l.Reserve(user, math.MaxInt64, 0); err != nil {
			return fmt.Errorf("video job %s of account %d: its $%s could not be charged: %w", id, user, cost, err)
		}
	}
	l.Settle(r, cost)
	return nil
}

// Renew keeps the holds open for another lease in a ledger whose holds
// end with one (a fleet's); the embedded ledger's never end.
func (h *VideoHolds) Renew(l Reserver) error {
	renewer, ok := l.(metering.Renewer)
	if !ok {
		return nil
	}
	h.mu.Lock()
	held := slices.Collect(maps.Values(h.held))
	h.mu.Unlock()
	return renewer.Renew(held, false)
}

// Resume holds again, after a restart, the reservations of jobs still
// under way: they were admitted under the cap when submitted, so they are
// held past it now. A fleet's ledger takes up the very hold a job was
// given, wherever its lease stands; the embedded ledger's holds ended
// with the process, and are made anew.
func (h *VideoHolds) Resume(l Reserver, jobs []videos.Job) error {
	renewer, named := l.(metering.Renewer)
	var resumed []metering.Reservation
	var errs []error
	for _, j := range jobs {
		if named && j.HoldLease != 0 {
			r := metering.Reservation{Account: j.User, Estimate: j.Reserved, Lease: j.HoldLease}
			resumed = append(resumed, r)
			h.Keep(j.ID, r)
			continue
		}
		r, err := l.Reserve(j.User, math.MaxInt64, j.Reserved)
		if err != nil {
			// Its cost is still charged when it ends (Settle).
			errs = append(errs, fmt.Errorf("video job %s runs without a hold on the cap: %w", j.ID, err))
			continue
		}
		h.Keep(j.ID, r)
	}
	if len(resumed) > 0 {
		if err := renewer.Renew(resumed, true); err != nil {
			errs = append(errs, fmt.Errorf("resuming the holds of %d video jobs (renewal takes up those taken back): %w", len(resumed), err))
		}
	}
	return errors.Join(errs...)
}
