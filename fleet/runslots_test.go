package fleet

import (
	"errors"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

func TestRunSlotsAreOneLimitAcrossInstancesAndComeBackAfterTheirLease(t *testing.T) {
	clock := newClock()
	s := openStore(t, Options{Lease: time.Minute, Now: clock.now})
	a, b := s.RunSlots(), s.RunSlots() // two instances
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	take := func(r *RunSlots) (uint64, bool) {
		t.Helper()
		slot, ok, err := r.Take(1, 3)
		if err != nil {
			t.Fatal(err)
		}
		return slot, ok
	}
	first, _ := take(a)
	take(a)
	take(b)
	if _, ok := take(b); ok {
		t.Fatal("a fourth run of three taken")
	}
	if _, ok, _ := b.Take(2, 3); !ok {
		t.Fatal("another account's run refused")
	}
	a.Give(1, first)
	if _, ok := take(b); !ok {
		t.Fatal("a slot given back is not free")
	}

	// b renews what it holds; a dies holding one, which comes back after
	// its lease.
	clock.advance(40 * time.Second)
	if err := b.renew(); err != nil {
		t.Fatal(err)
	}
	clock.advance(30 * time.Second)
	if _, ok := take(b); !ok {
		t.Fatal("the dead instance's slot did not come back after its lease")
	}
	if _, ok := take(b); ok {
		t.Fatal("the renewed slots were taken back")
	}
}

func TestRunSlotsRefuseWhileRedisIsAway(t *testing.T) {
	s := openStore(t, Options{})
	r := s.RunSlots()
	t.Cleanup(r.Close)
	s.client.Close()
	if _, ok, err := r.Take(1, 3); ok || !errors.Is(err, metering.ErrStoreUnavailable) {
		t.Fatalf("took a slot without Redis: %v %v", ok, err)
	}
}
