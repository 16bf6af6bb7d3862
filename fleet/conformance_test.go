package fleet

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// The same cases run against the embedded state (metering's, one
// instance) and the fleet's (Redis): the pipeline must not tell them
// apart.

// ledger is what the pipeline and the usage pages use of either ledger.
type ledger interface {
	Reserve(account uint64, capacity, estimate money.MicroUSD) (metering.Reservation, error)
	Settle(r metering.Reservation, cost money.MicroUSD)
	Release(r metering.Reservation)
	Used(account uint64) (money.MicroUSD, error)
	Reserved(account uint64) (money.MicroUSD, error)
	Daily(account uint64) ([]metering.DaySpend, error)
}

// settled waits until the ledger's settles are readable: the fleet's are
// sent after the answer.
func settled(t *testing.T, l ledger) {
	t.Helper()
	if f, ok := l.(*Ledger); ok {
		if err := f.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func eachLimiter(t *testing.T, test func(t *testing.T, l metering.Limiter)) {
	t.Run("embedded", func(t *testing.T) { test(t, &metering.RateLimiter{}) })
	t.Run("redis", func(t *testing.T) { test(t, openStore(t, Options{}).Limiter()) })
}

func eachLedger(t *testing.T, test func(t *testing.T, l ledger, clock *testClock)) {
	t.Run("embedded", func(t *testing.T) {
		clock := newClock()
		test(t, embeddedLedger(t, clock.now), clock)
	})
	t.Run("redis", func(t *testing.T) {
		clock := newClock()
		test(t, openLedger(t, openStore(t, Options{Now: clock.now})), clock)
	})
}

func allow(t *testing.T, l metering.Limiter, account uint64, rpm int, at time.Time) metering.RateDecision {
	t.Helper()
	d, err := l.Allow(account, rpm, at)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRateLimitBurstsThenEmitsAtTheRate(t *testing.T) {
	eachLimiter(t, func(t *testing.T, l metering.Limiter) {
		for i := range 30 {
			if d := allow(t, l, 1, 30, t0); !d.Allowed || d.Remaining != 29-i {
				t.Fatalf("call %d of the burst: %+v", i+1, d)
			}
		}
		d := allow(t, l, 1, 30, t0)
		if d.Allowed || d.RetryAfter != 2*time.Second || d.Reset != time.Minute {
			t.Fatalf("past the burst: %+v", d)
		}
		if d := allow(t, l, 1, 30, t0.Add(2*time.Second)); !d.Allowed || d.Remaining != 0 {
			t.Fatalf("one interval later: %+v", d)
		}
		if d := allow(t, l, 1, 30, t0.Add(2*time.Second)); d.Allowed {
			t.Fatalf("twice in one interval: %+v", d)
		}
		if d := allow(t, l, 2, 30, t0); !d.Allowed || d.Remaining != 29 {
			t.Fatalf("another account shares the limit: %+v", d)
		}
		if d := allow(t, l, 1, 30, t0.Add(3*time.Minute)); !d.Allowed || d.Remaining != 29 {
			t.Fatalf("idle for minutes, the burst is back: %+v", d)
		}
	})
}

func TestRateLimitIsExactUnderConcurrency(t *testing.T) {
	eachLimiter(t, func(t *testing.T, l metering.Limiter) {
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for range 25 {
					if d, err := l.Allow(7, 120, t0); err == nil && d.Allowed {
						admitted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if admitted.Load() != 120 {
			t.Fatalf("%d of 400 simultaneous calls admitted at 120 rpm", admitted.Load())
		}
	})
}

func TestRateLimitAtAMillionAMinute(t *testing.T) {
	eachLimiter(t, func(t *testing.T, l metering.Limiter) {
		at := t0
		for i := range 1000 {
			if d := allow(t, l, 1, 1_000_000, at); !d.Allowed {
				t.Fatalf("call %d at a million a minute: %+v", i+1, d)
			}
			at = at.Add(-time.Microsecond) // callers' clocks disagree a little
		}
	})
}

func TestReserveSettleRelease(t *testing.T) {
	eachLedger(t, func(t *testing.T, l ledger, _ *testClock) {
		r, err := l.Reserve(1, 10*dollar, 3*dollar)
		if err != nil {
			t.Fatal(err)
		}
		if held, _ := l.Reserved(1); held != 3*dollar {
			t.Fatalf("reserved = %v, want 3", held)
		}
		if _, err := l.Reserve(1, 10*dollar, 8*dollar); !errors.Is(err, metering.ErrCapReached) {
			t.Fatalf("past the cap with a hold open: %v", err)
		}
		l.Settle(r, dollar/2)
		settled(t, l)
		if used, _ := l.Used(1); used != dollar/2 {
			t.Fatalf("used = %v, want 0.5", used)
		}
		r2, err := l.Reserve(1, 10*dollar, 8*dollar)
		if err != nil {
			t.Fatalf("8 of the 9.5 left: %v", err)
		}
		l.Release(r2)
		settled(t, l)
		used, _ := l.Used(1)
		held, _ := l.Reserved(1)
		if used != dollar/2 || held != 0 {
			t.Fatalf("after a release: used %v, reserved %v", used, held)
		}
		if other, _ := l.Used(2); other != 0 {
			t.Fatalf("another account's usage: %v", other)
		}
	})
}

func TestUsageAtTheCapRefusesEvenFreeCalls(t *testing.T) {
	eachLedger(t, func(t *testing.T, l ledger, _ *testClock) {
		r, _ := l.Reserve(1, dollar, 0)
		l.Settle(r, dollar) // a cost may pass its estimate
		settled(t, l)
		if _, err := l.Reserve(1, dollar, 0); !errors.Is(err, metering.ErrCapReached) {
			t.Fatalf("used == cap: %v", err)
		}
	})
}

func TestConcurrentReservationsNeverPassTheCap(t *testing.T) {
	eachLedger(t, func(t *testing.T, l ledger, _ *testClock) {
		r, _ := l.Reserve(1, 50*dollar, 49*dollar)
		l.Settle(r, 49*dollar)
		settled(t, l)
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				r, err := l.Reserve(1, 50*dollar, 5*dollar/100)
				if err != nil {
					return
				}
				admitted.Add(1)
				l.Settle(r, 5*dollar/100)
			})
		}
		wg.Wait()
		settled(t, l)
		if admitted.Load() != 20 {
			t.Fatalf("%d calls of $0.05 admitted with $1.00 left", admitted.Load())
		}
		if used, _ := l.Used(1); used != 50*dollar {
			t.Fatalf("used %v, want the $50 cap exactly", used)
		}
	})
}

func TestTheWindowIs30Days(t *testing.T) {
	eachLedger(t, func(t *testing.T, l ledger, clock *testClock) {
		r, _ := l.Reserve(1, 100*dollar, 0)
		l.Settle(r, 7*dollar)
		clock.advance(29 * 24 * time.Hour)
		r, _ = l.Reserve(1, 100*dollar, 0)
		l.Settle(r, 2*dollar)
		settled(t, l)
		if used, _ := l.Used(1); used != 9*dollar {
			t.Fatalf("day 30: used %v, want 9", used)
		}
		daily, err := l.Daily(1)
		if err != nil || len(daily) != metering.WindowDays || daily[0].Spent != 7*dollar ||
			daily[29].Spent != 2*dollar || !daily[29].Day.Equal(time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("daily: %v %v", daily, err)
		}
		clock.advance(24 * time.Hour)
		if used, _ := l.Used(1); used != 2*dollar {
			t.Fatalf("day 31: used %v, want 2", used)
		}
	})
}

// The fleet keeps the window's sum rather than read 30 days at every
// admission: day after day, and with settles that land after the day
// they were made on has ended, it must sum what the days hold.
func TestTheWindowRollsDayByDay(t *testing.T) {
	eachLedger(t, func(t *testing.T, l ledger, clock *testClock) {
		want := map[int]money.MicroUSD{} // day → spent
		for day := range 40 {
			late, _ := l.Reserve(1, 1000*dollar, dollar)
			for n := range 3 {
				r, err := l.Reserve(1, 1000*dollar, dollar)
				if err != nil {
					t.Fatalf("day %d: %v", day, err)
				}
				l.Settle(r, money.MicroUSD(day*10+n+1))
				want[day] += money.MicroUSD(day*10 + n + 1)
			}
			settled(t, l)
			clock.advance(24 * time.Hour)
			l.Used(1) // today's first look sums the window anew
			l.Settle(late, 5)
			want[day+1] += 5 // a settle counts on the day it is made
			settled(t, l)
			var sum money.MicroUSD
			for d := max(0, day+1-metering.WindowDays+1); d <= day+1; d++ {
				sum += want[d]
			}
			if used, _ := l.Used(1); used != sum {
				t.Fatalf("day %d: used %v, want %v", day+1, used, sum)
			}
		}
	})
}

// An instance whose clock is still on yesterday settles after another
// summed today's window: the kept sum takes the cost all the same.
func TestASettleFromAnInstanceADayBehindCountsInTheWindow(t *testing.T) {
	ahead, behind := newClock(), newClock()
	ahead.advance(24 * time.Hour)
	s := openStore(t, Options{Now: ahead.now})
	late, err := Open(Options{URL: server.URL(), Prefix: s.prefix, Now: behind.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { late.Close() })
	today, yesterday := openLedger(t, s), openLedger(t, late)
	r, _ := yesterday.Reserve(1, 100*dollar, dollar)
	if used, _ := today.Used(1); used != 0 {
		t.Fatalf("used %v", used)
	}
	yesterday.Settle(r, 3*dollar)
	settled(t, yesterday)
	if used, _ := today.Used(1); used != 3*dollar {
		t.Fatalf("today's window after yesterday's settle: used %v, want 3", used)
	}
}
