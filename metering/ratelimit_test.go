package metering

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestRateLimitHoldsAtTheBoundaryAndRecovers(t *testing.T) {
	var l RateLimiter
	for i := 0; i < 30; i++ {
		d, _ := l.Allow(1, 30, t0)
		if !d.Allowed || d.Remaining != 29-i || d.Limit != 30 {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	d, _ := l.Allow(1, 30, t0)
	if d.Allowed || d.Remaining != 0 || d.RetryAfter != 2*time.Second || d.Reset != time.Minute {
		t.Fatalf("request 31: %+v; want refused, retry in 2s, full reset in 1m", d)
	}
	// One interval later exactly one more request fits.
	if d, _ := l.Allow(1, 30, t0.Add(2*time.Second)); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after 2s: %+v", d)
	}
	if d, _ := l.Allow(1, 30, t0.Add(2*time.Second)); d.Allowed {
		t.Fatalf("second request after 2s: %+v", d)
	}
	// After a full window the whole allowance is back.
	later := t0.Add(2*time.Second + time.Minute)
	for i := 0; i < 30; i++ {
		if d, _ := l.Allow(1, 30, later); !d.Allowed {
			t.Fatalf("after the window, request %d refused: %+v", i+1, d)
		}
	}
	if d, _ := l.Allow(1, 30, later); d.Allowed {
		t.Fatal("after the window, request 31 allowed")
	}
}

func TestRateLimitAccountsAreIndependent(t *testing.T) {
	var l RateLimiter
	for i := 0; i < 30; i++ {
		l.Allow(1, 30, t0)
	}
	if d, _ := l.Allow(1, 30, t0); d.Allowed {
		t.Fatal("account 1 over its limit")
	}
	if d, _ := l.Allow(2, 30, t0); !d.Allowed || d.Remaining != 29 {
		t.Fatalf("account 2 shares account 1's limit: %+v", d)
	}
}

func TestRateLimitExactUnderConcurrency(t *testing.T) {
	var l RateLimiter
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if d, _ := l.Allow(7, 120, t0); d.Allowed {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 120 {
		t.Fatalf("%d of 800 concurrent requests allowed, want exactly 120", allowed.Load())
	}
}

func TestRateLimitSweepForgetsIdleAccounts(t *testing.T) {
	var l RateLimiter
	l.Allow(1, 60, t0)
	l.Allow(2, 60, t0.Add(time.Minute))
	l.Sweep(t0.Add(30 * time.Second))
	if _, ok := l.accounts.Load(uint64(1)); ok {
		t.Fatal("idle account 1 kept")
	}
	if _, ok := l.accounts.Load(uint64(2)); !ok {
		t.Fatal("active account 2 dropped")
	}
}

func BenchmarkRateLimiterAllow(b *testing.B) {
	var l RateLimiter
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		account := next.Add(1) // one account per goroutine, as with many clients
		now := t0
		for pb.Next() {
			now = now.Add(time.Second) // stay under the limit
			l.Allow(account, 120, now)
		}
	})
}
