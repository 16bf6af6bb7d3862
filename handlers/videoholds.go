package handlers

import (
	"math"
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
// was lost (a crash before Resume ran) is still charged.
func (h *VideoHolds) Settle(l Reserver, user uint64, id string, cost money.MicroUSD) {
	h.mu.Lock()
	r, ok := h.held[id]
	delete(h.held, id)
	h.mu.Unlock()
	if !ok {
		var err error
		if r, err = l.Reserve(user, math.MaxInt64, 0); err != nil {
			return
		}
	}
	l.Settle(r, cost)
}

// Resume holds again, after a restart, the reservations of jobs still
// under way: they were admitted under the cap when submitted, so they are
// held past it now.
func (h *VideoHolds) Resume(l Reserver, jobs []videos.Job) {
	for _, j := range jobs {
		if r, err := l.Reserve(j.User, math.MaxInt64, j.Reserved); err == nil {
			h.Keep(j.ID, r)
		}
	}
}
