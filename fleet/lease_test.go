package fleet

import (
	"errors"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

func TestAnExpiredLeaseGivesItsHoldBack(t *testing.T) {
	clock := newClock()
	l := openLedger(t, openStore(t, Options{Lease: time.Minute, Now: clock.now}))
	dead, err := l.Reserve(1, 10*dollar, 9*dollar) // its instance dies with it
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Reserve(1, 10*dollar, 2*dollar); !errors.Is(err, metering.ErrCapReached) {
		t.Fatalf("while the lease runs, the hold counts: %v", err)
	}
	clock.advance(time.Minute + time.Millisecond)
	r, err := l.Reserve(1, 10*dollar, 2*dollar)
	if err != nil {
		t.Fatalf("after the lease, the hold is back: %v", err)
	}
	if held, _ := l.Reserved(1); held != 2*dollar || l.Reclaimed.Load() != 1 {
		t.Fatalf("reserved %v, reclaimed %d", held, l.Reclaimed.Load())
	}
	l.Release(r)

	// The instance was only cut off: its settle arrives late, and counts
	// once however often it is sent.
	l.Settle(dead, 3*dollar)
	l.Settle(dead, 3*dollar)
	settled(t, l)
	used, _ := l.Used(1)
	held, _ := l.Reserved(1)
	if used != 3*dollar || held != 0 {
		t.Fatalf("a late settle: used %v, reserved %v", used, held)
	}
}

func TestASettleSentTwiceCountsOnce(t *testing.T) {
	l := openLedger(t, openStore(t, Options{}))
	r, err := l.Reserve(1, 10*dollar, dollar)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		l.Settle(r, dollar/4)
		settled(t, l)
	}
	if used, _ := l.Used(1); used != dollar/4 {
		t.Fatalf("used %v after one call settled three times", used)
	}
}

func TestLeasesAreUniqueAcrossInstances(t *testing.T) {
	s := openStore(t, Options{})
	a, b := openLedger(t, s), openLedger(t, s)
	ra, _ := a.Reserve(1, 10*dollar, dollar)
	rb, _ := b.Reserve(1, 10*dollar, dollar)
	if ra.Lease == rb.Lease {
		t.Fatalf("two instances named a lease %d", ra.Lease)
	}
	a.Settle(ra, dollar)
	b.Settle(rb, dollar)
	settled(t, a)
	settled(t, b)
	if used, _ := a.Used(1); used != 2*dollar {
		t.Fatalf("used %v, want both calls' 2", used)
	}
}

func TestARenewedHoldOutlivesItsLease(t *testing.T) {
	clock := newClock()
	l := openLedger(t, openStore(t, Options{Lease: time.Minute, Now: clock.now}))
	video, err := l.Reserve(1, 10*dollar, 8*dollar)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // a job running five leases long, renewed each time
		clock.advance(50 * time.Second)
		if err := l.Renew([]metering.Reservation{video}, false); err != nil {
			t.Fatal(err)
		}
	}
	clock.advance(50 * time.Second)
	if _, err := l.Reserve(1, 10*dollar, 3*dollar); !errors.Is(err, metering.ErrCapReached) || l.Reclaimed.Load() != 0 {
		t.Fatalf("a renewed hold still counts: %v, %d reclaimed", err, l.Reclaimed.Load())
	}

	// Renewal came too late (the instance was cut off past the lease): the
	// hold, taken back, is held again while its job runs.
	clock.advance(time.Minute)
	if held, _ := l.Reserved(1); held != 0 || l.Reclaimed.Load() != 1 {
		t.Fatalf("after its lease: held %v, %d reclaimed", held, l.Reclaimed.Load())
	}
	if err := l.Renew([]metering.Reservation{video}, false); err != nil {
		t.Fatal(err)
	}
	if held, _ := l.Reserved(1); held != 8*dollar {
		t.Fatalf("a renewed hold taken back holds %v again, want 8", held)
	}

	// Settled, it stays settled whatever renewal comes after.
	l.Settle(video, 7*dollar)
	settled(t, l)
	if err := l.Renew([]metering.Reservation{video}, false); err != nil {
		t.Fatal(err)
	}
	used, _ := l.Used(1)
	held, _ := l.Reserved(1)
	if used != 7*dollar || held != 0 {
		t.Fatalf("renewed after its settle: used %v, held %v", used, held)
	}
}

func TestAResumedHoldIsHeldEvenWhenRedisForgotIt(t *testing.T) {
	l := openLedger(t, openStore(t, Options{}))
	forgotten := metering.Reservation{Account: 1, Estimate: 4 * dollar, Lease: 12345}
	if err := l.Renew([]metering.Reservation{forgotten}, false); err != nil {
		t.Fatal(err)
	}
	if held, _ := l.Reserved(1); held != 0 {
		t.Fatalf("renewal alone held an unknown hold: %v", held)
	}
	for range 2 {
		if err := l.Renew([]metering.Reservation{forgotten}, true); err != nil {
			t.Fatal(err)
		}
	}
	if held, _ := l.Reserved(1); held != 4*dollar {
		t.Fatalf("a resumed hold holds %v, want 4 (once)", held)
	}
	l.Settle(forgotten, dollar)
	settled(t, l)
	if used, _ := l.Used(1); used != dollar {
		t.Fatalf("used %v", used)
	}
}
