package metering

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/money"

	"github.com/keinetech/kaine/internal/keyrange"
)

// ErrCapReached means a call would take an account past its cap.
var ErrCapReached = errors.New("usage cap reached")

// WindowDays is the length of the rolling usage window.
const WindowDays = 30

var bucketUsage = []byte("usage")

// Ledger counts each account's spending per UTC day. The hot path works in
// memory under a per-account lock; bbolt gets the changed days in one
// transaction per Flush. It also holds open reservations, so concurrent calls
// can never together pass an account's cap by more than one estimate's error.
type Ledger struct {
	db       *bolt.DB
	now      func() time.Time
	accounts sync.Map // account ID → *ledgerAccount

	dirtyMu sync.Mutex
	dirty   []*ledgerAccount // accounts with days not yet written

	// flushMu serializes flushes: two overlapping ones could otherwise
	// commit an older day total after a newer one.
	flushMu sync.Mutex
}

type ledgerAccount struct {
	id uint64

	mu       sync.Mutex
	loaded   bool
	days     map[int64]money.MicroUSD // UTC day number → spent that day
	changed  map[int64]bool           // days to write at the next flush
	reserved money.MicroUSD           // sum of open reservations
	queued   bool                     // in Ledger.dirty
}

// Reservation is a hold on an account's cap for one call's worst case.
// Settle or Release it exactly once. The zero Reservation holds nothing.
type Reservation struct {
	Account  uint64
	Estimate money.MicroUSD
	// Lease names the hold in a store that keeps holds by name (a fleet's
	// Redis); the embedded Ledger keeps none.
	Lease uint64
}

// OpenLedger creates the usage bucket and returns a Ledger over db. now is
// the clock (nil: time.Now).
func OpenLedger(db *bolt.DB, now func() time.Time) (*Ledger, error) {
	if now == nil {
		now = time.Now
	}
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketUsage)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("preparing usage bucket: %w", err)
	}
	return &Ledger{db: db, now: now}, nil
}

func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// Reserve holds estimate against the account's cap. It fails with
// ErrCapReached when the settled usage already reached the cap, or when
// usage plus open reservations plus estimate would pass it.
func (l *Ledger) Reserve(account uint64, capacity, estimate money.MicroUSD) (Reservation, error) {
	if estimate < 0 {
		estimate = 0
	}
	a, err := l.account(account)
	if err != nil {
		return Reservation{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	used := a.usedLocked(dayOf(l.now()))
	if used >= capacity || used+a.reserved+estimate > capacity {
		return Reservation{}, ErrCapReached
	}
	a.reserved += estimate
	return Reservation{Account: account, Estimate: estimate}, nil
}

// Settle ends a reservation with the call's real cost, which is recorded
// on today's UTC date whatever the estimate was.
func (l *Ledger) Settle(r Reservation, cost money.MicroUSD) {
	v, ok := l.accounts.Load(r.Account)
	if !ok {
		return // the zero Reservation: Reserve loaded every account it held for
	}
	a := v.(*ledgerAccount)
	day := dayOf(l.now())
	a.mu.Lock()
	a.reserved -= r.Estimate
	if cost > 0 {
		a.days[day] += cost
		a.changed[day] = true
	}
	queue := cost > 0 && !a.queued
	a.queued = a.queued || queue
	a.mu.Unlock()
	if queue {
		l.dirtyMu.Lock()
		l.dirty = append(l.dirty, a)
		l.dirtyMu.Unlock()
	}
}

// Release ends a reservation for a call that cost nothing.
func (l *Ledger) Release(r Reservation) { l.Settle(r, 0) }

// Used returns the account's settled spending in the rolling window.
func (l *Ledger) Used(account uint64) (money.MicroUSD, error) {
	a, err := l.account(account)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.usedLocked(dayOf(l.now())), nil
}

// Reserved returns what the account's open reservations hold: calls under
// way and video jobs not yet ended.
func (l *Ledger) Reserved(account uint64) (money.MicroUSD, error) {
	a, err := l.account(account)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reserved, nil
}

// usedLocked sums the window ending today and forgets older days.
func (a *ledgerAccount) usedLocked(today int64) money.MicroUSD {
	var sum money.MicroUSD
	for day, v := range a.days {
		if day <= today-WindowDays {
			if !a.changed[day] {
				delete(a.days, day)
			}
			continue
		}
		sum += v
	}
	return sum
}

// account returns the in-memory state of an account, loading its window
// from bbolt on first use.
func (l *Ledger) account(id uint64) (*ledgerAccount, error) {
	v, ok := l.accounts.Load(id)
	if !ok {
		v, _ = l.accounts.LoadOrStore(id, &ledgerAccount{id: id, days: map[int64]money.MicroUSD{}, changed: map[int64]bool{}})
	}
	a := v.(*ledgerAccount)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loaded {
		return a, nil
	}
	first := dayOf(l.now()) - WindowDays + 1
	err := l.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketUsage).Cursor()
		prefix := keyrange.Prefix(id)
		for k, v := c.Seek(usageKey(id, first)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("account %d: malformed usage %q", id, v)
			}
			a.days[int64(keyrange.IDOf(k))] += money.MicroUSD(n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading usage: %w", err)
	}
	a.loaded = true
	return a, nil
}

// usageKey is the account's key for a UTC day number: one account's days
// are contiguous and in date order.
func usageKey(account uint64, day int64) []byte { return keyrange.Key(account, uint64(day)) }

// Flush writes every day that changed since the last flush, in one
// transaction. The owner calls it on a timer and at stop.
func (l *Ledger) Flush() error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.dirtyMu.Lock()
	batch := l.dirty
	l.dirty = nil
	l.dirtyMu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	type write struct {
		key   []byte
		value money.MicroUSD
	}
	var writes []write
	for _, a := range batch {
		a.mu.Lock()
		for day := range a.changed {
			writes = append(writes, write{usageKey(a.id, day), a.days[day]})
			delete(a.changed, day)
		}
		a.queued = false
		a.mu.Unlock()
	}
	err := l.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsage)
		for _, w := range writes {
			if err := b.Put(w.key, strconv.AppendInt(nil, int64(w.value), 10)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Put the days back so the next flush retries them.
		for _, a := range batch {
			a.mu.Lock()
			for _, w := range writes {
				if keyrange.AccountOf(w.key) == a.id {
					a.changed[int64(keyrange.IDOf(w.key))] = true
				}
			}
			a.mu.Unlock()
			l.requeue(a)
		}
		return fmt.Errorf("writing usage: %w", err)
	}
	return nil
}

func (l *Ledger) requeue(a *ledgerAccount) {
	a.mu.Lock()
	queue := !a.queued
	a.queued = true
	a.mu.Unlock()
	if queue {
		l.dirtyMu.Lock()
		l.dirty = append(l.dirty, a)
		l.dirtyMu.Unlock()
	}
}

// DaySpend is what an account spent on one UTC day.
type DaySpend struct {
	Day   time.Time
	Spent money.MicroUSD
}

// Daily returns the account's spending on each day of the rolling window,
// oldest first, today last, days without spending included.
func (l *Ledger) Daily(account uint64) ([]DaySpend, error) {
	a, err := l.account(account)
	if err != nil {
		return nil, err
	}
	today := dayOf(l.now())
	out := make([]DaySpend, WindowDays)
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range out {
		day := today - WindowDays + 1 + int64(i)
		out[i] = DaySpend{Day: time.Unix(day*86400, 0).UTC(), Spent: a.days[day]}
	}
	return out, nil
}
