package metering

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/money"
)

func openTestDB(t testing.TB) (*bolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kaine.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

type testClock struct{ unix atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Unix(c.unix.Load(), 0) }
func (c *testClock) advance(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

func newTestLedger(t testing.TB) (*Ledger, *testClock, *bolt.DB) {
	l, clock, db, _ := newTestLedgerAt(t)
	return l, clock, db
}

// newTestLedgerAt is newTestLedger that also tells the database file.
func newTestLedgerAt(t testing.TB) (*Ledger, *testClock, *bolt.DB, string) {
	t.Helper()
	db, path := openTestDB(t)
	clock := &testClock{}
	clock.unix.Store(t0.Unix())
	l, err := OpenLedger(db, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	return l, clock, db, path
}

const dollar = money.MicroUSD(1_000_000)

func TestReserveSettleRelease(t *testing.T) {
	l, _, _ := newTestLedger(t)
	r, err := l.Reserve(1, 10*dollar, 3*dollar)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Reserve(1, 10*dollar, 8*dollar); !errors.Is(err, ErrCapReached) {
		t.Fatalf("reservation past the cap with one open: err = %v", err)
	}
	l.Settle(r, dollar/2)
	if used, _ := l.Used(1); used != dollar/2 {
		t.Fatalf("used = %v, want 0.5", used)
	}
	r2, err := l.Reserve(1, 10*dollar, 8*dollar)
	if err != nil {
		t.Fatalf("after settling, 8 of the 9.5 left: %v", err)
	}
	l.Release(r2)
	if used, _ := l.Used(1); used != dollar/2 {
		t.Fatalf("a release changed usage: %v", used)
	}
}

func TestUsedAtCapBlocksEvenFreeCalls(t *testing.T) {
	l, _, _ := newTestLedger(t)
	r, _ := l.Reserve(1, dollar, 0)
	l.Settle(r, dollar) // the real cost may exceed the estimate
	if _, err := l.Reserve(1, dollar, 0); !errors.Is(err, ErrCapReached) {
		t.Fatalf("used == cap: err = %v", err)
	}
}

func TestConcurrentReservationsNeverPassTheCap(t *testing.T) {
	l, _, _ := newTestLedger(t)
	// $1.00 of a $50 cap left.
	r, _ := l.Reserve(1, 50*dollar, 49*dollar)
	l.Settle(r, 49*dollar)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.Reserve(1, 50*dollar, 5*dollar/100)
			if err != nil {
				return
			}
			admitted.Add(1)
			l.Settle(r, 5*dollar/100)
		}()
	}
	wg.Wait()
	if admitted.Load() > 20 {
		t.Fatalf("%d calls of $0.05 admitted with $1.00 left", admitted.Load())
	}
	if used, _ := l.Used(1); used > 50*dollar {
		t.Fatalf("settled usage %v passed the $50 cap", used)
	}
}

func TestWindowForgetsDaysOlderThan30(t *testing.T) {
	l, clock, _ := newTestLedger(t)
	r, _ := l.Reserve(1, 100*dollar, 0)
	l.Settle(r, 7*dollar)
	clock.advance(29 * 24 * time.Hour)
	r, _ = l.Reserve(1, 100*dollar, 0)
	l.Settle(r, 2*dollar)
	if used, _ := l.Used(1); used != 9*dollar {
		t.Fatalf("day 29: used = %v, want 9", used)
	}
	clock.advance(24 * time.Hour)
	if used, _ := l.Used(1); used != 2*dollar {
		t.Fatalf("day 30: used = %v, want 2 (the first day left the window)", used)
	}
}

func TestFlushPersistsAndReloads(t *testing.T) {
	l, clock, db := newTestLedger(t)
	for i := 0; i < 3; i++ {
		r, _ := l.Reserve(42, 100*dollar, dollar)
		l.Settle(r, 1234)
		clock.advance(24 * time.Hour)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenLedger(db, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if used, _ := again.Used(42); used != 3*1234 {
		t.Fatalf("reloaded usage = %d, want %d", used, 3*1234)
	}
	if used, _ := again.Used(43); used != 0 {
		t.Fatalf("another account's usage leaked: %d", used)
	}
}

func BenchmarkReserveSettle(b *testing.B) {
	db, _ := openTestDB(b)
	l, err := OpenLedger(db, nil)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		account := next.Add(1)
		for pb.Next() {
			r, err := l.Reserve(account, 1<<40, 1000)
			if err != nil {
				b.Fatal(err)
			}
			l.Settle(r, 10)
		}
	})
}

// A crash loses at most what was settled since the last Flush: a copy of
// the file taken without a final flush stands for the disk after a kill.
func TestCrashLosesOnlyWhatWasNotFlushed(t *testing.T) {
	l, clock, _, path := newTestLedgerAt(t)
	for i := 0; i < 10; i++ {
		r, _ := l.Reserve(1, 100*dollar, dollar)
		l.Settle(r, dollar/10)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	r, _ := l.Reserve(1, 100*dollar, dollar)
	l.Settle(r, 5*dollar) // settled after the last flush: may be lost

	copyPath := filepath.Join(t.TempDir(), "after-crash.db")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	crashed, err := bolt.Open(copyPath, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("the database does not open after a crash: %v", err)
	}
	defer crashed.Close()
	after, err := OpenLedger(crashed, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if used, _ := after.Used(1); used != dollar {
		t.Fatalf("after the crash: used %v, want the flushed $1", used)
	}
}
