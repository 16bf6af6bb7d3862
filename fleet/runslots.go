package fleet

import (
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed take_slot.lua
	takeSlotSource string
	takeSlotScript = redis.NewScript(takeSlotSource)
)

// RunSlots bound each account's asynchronous agent runs under way across
// the fleet (agents.Slots). A slot is held under a lease, renewed three
// times a lease while its run goes on, so the slots of an instance that
// dies come back when their lease ends.
type RunSlots struct {
	store *Store
	mu    sync.Mutex
	held  map[uint64]uint64 // slot → account
	stop  chan struct{}
	done  chan struct{}
}

// RunSlots returns the fleet's run slots and starts renewing the ones
// this instance takes; Close stops it.
func (s *Store) RunSlots() *RunSlots {
	r := &RunSlots{store: s, held: map[uint64]uint64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go r.renewEvery(s.lease / 3)
	return r
}

func (r *RunSlots) key(account uint64) string { return r.store.accountKey(account, "runs") }

// Take takes one of the account's max slots in one round trip.
func (r *RunSlots) Take(account uint64, max int) (uint64, bool, error) {
	slot := uniqueName()
	now := r.store.now()
	ctx, cancel := r.store.context()
	defer cancel()
	taken, err := takeSlotScript.Run(ctx, r.store.client, []string{r.key(account)},
		now.UnixMilli(), max, slot, now.Add(r.store.lease).UnixMilli()).Int()
	if err != nil {
		if !isReply(err) {
			r.Give(account, slot) // the answer lost: the slot may be taken
		}
		return 0, false, unavailable("fleet agent run slot", err)
	}
	if taken != 1 {
		return 0, false, nil
	}
	r.mu.Lock()
	r.held[slot] = account
	r.mu.Unlock()
	return slot, true, nil
}

// Give gives a slot back. Should Redis not take it, the slot comes back
// at the end of its lease, no longer renewed.
func (r *RunSlots) Give(account, slot uint64) {
	r.mu.Lock()
	delete(r.held, slot)
	r.mu.Unlock()
	ctx, cancel := r.store.context()
	defer cancel()
	if err := r.store.client.ZRem(ctx, r.key(account), slot).Err(); err != nil {
		r.store.onError(fmt.Errorf("giving back an agent run slot of account %d (free again within a lease): %w", account, err))
	}
}

func (r *RunSlots) renewEvery(every time.Duration) {
	defer close(r.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
			if err := r.renew(); err != nil {
				r.store.onError(err)
			}
		}
	}
}

// renew pushes back the lease of every slot this instance holds, in one
// pipeline.
func (r *RunSlots) renew() error {
	r.mu.Lock()
	held := make(map[uint64]uint64, len(r.held))
	for slot, account := range r.held {
		held[slot] = account
	}
	r.mu.Unlock()
	if len(held) == 0 {
		return nil
	}
	ctx, cancel := r.store.context()
	defer cancel()
	expiry := float64(r.store.now().Add(r.store.lease).UnixMilli())
	pipe := r.store.client.Pipeline()
	for slot, account := range held {
		// XX: a slot given back meanwhile stays given back.
		pipe.ZAddXX(ctx, r.key(account), redis.Z{Score: expiry, Member: slot})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return unavailable("renewing agent run slots", err)
	}
	return nil
}

// Close stops the renewals: the slots still held come back at the end of
// their lease.
func (r *RunSlots) Close() {
	close(r.stop)
	<-r.done
}
