package fleet

import (
	"errors"
	"testing"

	"github.com/keinetech/kaine/metering"
)

func TestAdmitCountsTheRateAndHoldsTheCapInOneStep(t *testing.T) {
	clock := newClock()
	l := openLedger(t, openStore(t, Options{Now: clock.now}))
	d, r, err := l.Admit(1, 2, t0, 10*dollar, 6*dollar)
	if err != nil || !d.Allowed || d.Remaining != 1 || r.Lease == 0 {
		t.Fatalf("the first call: %+v %+v %v", d, r, err)
	}
	if held, _ := l.Reserved(1); held != 6*dollar {
		t.Fatalf("reserved %v", held)
	}
	d, _, err = l.Admit(1, 2, t0, 10*dollar, 6*dollar)
	if !errors.Is(err, metering.ErrCapReached) || !d.Allowed || d.Remaining != 0 {
		t.Fatalf("past the cap, the call still counts against the rate: %+v %v", d, err)
	}
	d, _, err = l.Admit(1, 2, t0, 10*dollar, dollar)
	if err != nil || d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("past the rate: %+v %v", d, err)
	}
	if held, _ := l.Reserved(1); held != 6*dollar {
		t.Fatalf("a refused call held %v", held-6*dollar)
	}
	l.Settle(r, 4*dollar)
	settled(t, l)
	if used, _ := l.Used(1); used != 4*dollar {
		t.Fatalf("used %v", used)
	}
}
