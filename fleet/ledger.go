package fleet

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

var (
	//go:embed ledger_prelude.lua
	ledgerPrelude string
	//go:embed reserve.lua
	reserveSource string
	//go:embed settle.lua
	settleSource string
	//go:embed usage.lua
	usageSource string
	//go:embed renew.lua
	renewSource string

	//go:embed admit.lua
	admitSource string

	reserveScript = redis.NewScript(ledgerPrelude + reserveSource)
	admitScript   = redis.NewScript(ratePrelude + ledgerPrelude + admitSource)
	settleScript  = redis.NewScript(ledgerPrelude + settleSource)
	usageScript   = redis.NewScript(ledgerPrelude + usageSource)
	renewScript   = redis.NewScript(renewSource)
)

// reclaimedMemory is how long a taken-back hold is remembered, so that a
// settle arriving after its lease ended still counts its cost, once.
const reclaimedMemory = 24 * time.Hour

// settleBatch bounds how many settles go to Redis in one pipeline.
const settleBatch = 256

// Ledger is the cap's reservations and the usage ledger the whole fleet
// shares, with metering.Ledger's contract. Every reservation is a hold
// under a lease: the hold of an instance that dies comes back when its
// lease ends, so nothing it held turns into phantom usage. Settles are
// sent after the answer, batched in pipelines, and retried until Redis
// takes them; each counts once however often it is sent.
type Ledger struct {
	store   *Store
	mu      sync.Mutex
	pending []settlement
	wake    chan struct{}
	flushed *sync.Cond // broadcast when pending was emptied
	sending bool       // a batch is on its way
	stop    chan struct{}
	done    chan struct{}
	// Reclaimed counts the holds taken back at the end of their lease,
	// and Open the holds this instance made that Redis has not yet seen
	// settled.
	Reclaimed atomic.Int64
	Open      atomic.Int64
}

type settlement struct {
	r    metering.Reservation
	cost money.MicroUSD
	at   time.Time
}

// Ledger returns the fleet's ledger and starts its settle sender; Close
// stops it.
func (s *Store) Ledger() (*Ledger, error) {
	l := &Ledger{store: s, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	l.flushed = sync.NewCond(&l.mu)
	go l.send()
	return l, nil
}

// keys are the account's ledger keys in the order the scripts take them.
func (l *Ledger) keys(account uint64) []string {
	return []string{l.store.accountKey(account, "days"), l.store.accountKey(account, "leases"),
		l.store.accountKey(account, "holds"), l.store.accountKey(account, "reclaimed")}
}

func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// Reserve holds estimate against the account's cap in one round trip, or
// fails with metering.ErrCapReached (or ErrStoreUnavailable).
func (l *Ledger) Reserve(account uint64, capacity, estimate money.MicroUSD) (metering.Reservation, error) {
	estimate = max(estimate, 0)
	now := l.store.now()
	lease := uniqueName()
	ctx, cancel := l.store.context()
	defer cancel()
	got, err := reserveScript.Run(ctx, l.store.client, l.keys(account),
		now.UnixMilli(), dayOf(now), metering.WindowDays, int64(capacity), int64(estimate),
		lease, now.Add(l.store.lease).UnixMilli(), reclaimedMemory.Milliseconds()).Int64Slice()
	if err != nil {
		if !isReply(err) {
			// The answer lost, the hold may be there: release it rather
			// than leave it to hold the cap for a whole lease.
			l.Open.Add(1)
			l.Settle(metering.Reservation{Account: account, Lease: lease}, 0)
		}
		return metering.Reservation{}, unavailable("fleet reservation", err)
	}
	if len(got) != 2 {
		return metering.Reservation{}, unavailable("fleet reservation", errMalformedReply)
	}
	l.Reclaimed.Add(got[1])
	if got[0] != 1 {
		return metering.Reservation{}, metering.ErrCapReached
	}
	l.Open.Add(1)
	return metering.Reservation{Account: account, Estimate: estimate, Lease: lease}, nil
}

// Admit counts a call against the account's rate and, when the rate allows
// it, holds estimate against its cap: both in one round trip, so a call in
// a fleet waits for Redis once before its answer. A refused rate returns
// its decision and no reservation; a reached cap, metering.ErrCapReached.
func (l *Ledger) Admit(account uint64, rpm int, at time.Time, capacity, estimate money.MicroUSD) (metering.RateDecision, metering.Reservation, error) {
	estimate = max(estimate, 0)
	now := l.store.now()
	lease := uniqueName()
	ctx, cancel := l.store.context()
	defer cancel()
	args := append([]any{now.UnixMilli(), dayOf(now), metering.WindowDays, int64(capacity), int64(estimate),
		lease, now.Add(l.store.lease).UnixMilli(), reclaimedMemory.Milliseconds()}, rateArgs(rpm, at)...)
	got, err := admitScript.Run(ctx, l.store.client, append(l.keys(account), l.store.accountKey(account, "tat")), args...).Int64Slice()
	if err == nil && len(got) != 6 {
		err = errMalformedReply
	}
	if err != nil {
		if !isReply(err) {
			l.Open.Add(1)
			l.Settle(metering.Reservation{Account: account, Lease: lease}, 0) // see Reserve
		}
		return metering.RateDecision{}, metering.Reservation{}, unavailable("fleet admission", err)
	}
	d := decision(rpm, got[:4])
	l.Reclaimed.Add(got[5])
	switch {
	case !d.Allowed:
		return d, metering.Reservation{}, nil
	case got[4] != 1:
		return d, metering.Reservation{}, metering.ErrCapReached
	}
	l.Open.Add(1)
	return d, metering.Reservation{Account: account, Estimate: estimate, Lease: lease}, nil
}

// Settle ends a reservation with the call's real cost, counted on today's
// UTC date. It does not wait for Redis: the settle is sent with others
// in one pipeline and retried until Redis takes it, while the hold keeps
// the estimate (at least the cost) against the cap.
func (l *Ledger) Settle(r metering.Reservation, cost money.MicroUSD) {
	if r.Lease == 0 {
		return // the zero Reservation
	}
	l.mu.Lock()
	l.pending = append(l.pending, settlement{r: r, cost: max(cost, 0), at: l.store.now()})
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Renew keeps held open for another lease, in one pipeline (see
// metering.Renewer).
func (l *Ledger) Renew(held []metering.Reservation, resumed bool) error {
	if len(held) == 0 {
		return nil
	}
	expiry := l.store.now().Add(l.store.lease).UnixMilli()
	resume := 0
	if resumed {
		resume = 1
	}
	cmds, err := l.store.evalEach(renewScript, len(held), func(i int) ([]string, []any) {
		r := held[i]
		return l.keys(r.Account), []any{r.Lease, int64(max(r.Estimate, 0)), expiry, resume}
	})
	for i := range held {
		if e := cmdError(cmds, i, err); e != nil {
			return unavailable("renewing fleet holds", e)
		}
	}
	return nil
}

// Release ends a reservation for a call that cost nothing.
func (l *Ledger) Release(r metering.Reservation) { l.Settle(r, 0) }

// send runs until Close, sending what Settle queued.
func (l *Ledger) send() {
	defer close(l.done)
	retry := time.Duration(0) // after a failure: the wait before the next try
	for {
		var again <-chan time.Time
		if retry > 0 {
			again = time.After(retry)
		}
		select {
		case <-l.stop:
			return
		case <-l.wake:
		case <-again:
		}
		if err := l.sendBatch(); err != nil {
			retry = min(max(2*retry, 50*time.Millisecond), 2*time.Second)
			continue
		}
		retry = 0
		if l.queued() > 0 {
			l.poke()
		}
	}
}

func (l *Ledger) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Ledger) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// sendBatch sends the oldest queued settles in one pipeline. A settle
// Redis answered is done; one it refused (a script error, a key of another
// type under the prefix) never will be, and is dropped and reported rather
// than left to block those behind it; the unanswered wait, in order.
func (l *Ledger) sendBatch() error {
	l.mu.Lock()
	if l.sending || len(l.pending) == 0 {
		l.mu.Unlock()
		return nil
	}
	batch := l.pending[:min(len(l.pending), settleBatch)]
	l.sending = true
	l.mu.Unlock()

	cmds, err := l.store.evalEach(settleScript, len(batch), func(i int) ([]string, []any) {
		s := batch[i]
		return l.keys(s.r.Account), []any{s.r.Lease, int64(s.cost), dayOf(s.at), metering.WindowDays}
	})
	var wait []settlement
	for i, s := range batch {
		switch e := cmdError(cmds, i, err); {
		case e == nil:
		case isReply(e):
			l.store.onError(fmt.Errorf("dropping the settle of account %d ($%s): Redis refused it: %w", s.r.Account, s.cost, e))
		default:
			wait = append(wait, s)
		}
	}
	l.Open.Add(-int64(len(batch) - len(wait)))
	l.mu.Lock()
	l.pending = append(wait, l.pending[len(batch):]...)
	if len(l.pending) == 0 {
		l.pending = nil // let a long queue's array go
		l.flushed.Broadcast()
	}
	l.sending = false
	l.mu.Unlock()
	if len(wait) > 0 {
		return unavailable("fleet settle", err)
	}
	return nil
}

// Flush waits until every settle queued so far has reached Redis, or until
// ctx ends.
func (l *Ledger) Flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.flushed.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	l.poke()
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.pending) > 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("%d settles not yet in the fleet's store: %w", len(l.pending), ctx.Err())
		}
		l.flushed.Wait()
	}
	return nil
}

// Close sends what is queued (waiting at most until ctx ends) and stops
// the sender.
func (l *Ledger) Close(ctx context.Context) error {
	err := l.Flush(ctx)
	close(l.stop)
	<-l.done
	return err
}

// usage reads the account's settled usage and open holds.
func (l *Ledger) usage(account uint64) (used, held money.MicroUSD, err error) {
	now := l.store.now()
	ctx, cancel := l.store.context()
	defer cancel()
	got, err := usageScript.Run(ctx, l.store.client, l.keys(account),
		now.UnixMilli(), dayOf(now), metering.WindowDays, reclaimedMemory.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, unavailable("fleet usage", err)
	}
	if len(got) != 3 {
		return 0, 0, unavailable("fleet usage", errMalformedReply)
	}
	l.Reclaimed.Add(got[2])
	return money.MicroUSD(got[0]), money.MicroUSD(got[1]), nil
}

// Used returns the account's settled spending in the rolling window.
func (l *Ledger) Used(account uint64) (money.MicroUSD, error) {
	used, _, err := l.usage(account)
	return used, err
}

// Reserved returns what the account's open holds keep.
func (l *Ledger) Reserved(account uint64) (money.MicroUSD, error) {
	_, held, err := l.usage(account)
	return held, err
}

// Daily returns the account's spending on each day of the rolling window,
// oldest first, today last, days without spending included.
func (l *Ledger) Daily(account uint64) ([]metering.DaySpend, error) {
	ctx, cancel := l.store.context()
	defer cancel()
	days, err := l.store.client.HGetAll(ctx, l.store.accountKey(account, "days")).Result()
	if err != nil {
		return nil, unavailable("fleet daily usage", err)
	}
	today := dayOf(l.store.now())
	out := make([]metering.DaySpend, metering.WindowDays)
	for i := range out {
		day := today - metering.WindowDays + 1 + int64(i)
		spent, _ := strconv.ParseInt(days[strconv.FormatInt(day, 10)], 10, 64)
		out[i] = metering.DaySpend{Day: time.Unix(day*86400, 0).UTC(), Spent: money.MicroUSD(spent)}
	}
	return out, nil
}
