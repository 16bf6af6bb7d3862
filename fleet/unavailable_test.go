package fleet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

func TestWithoutRedisNothingSpendsAndSettlesWait(t *testing.T) {
	s := openStore(t, Options{Timeout: 200 * time.Millisecond})
	l := openLedger(t, s)
	r, err := l.Reserve(1, 10*dollar, dollar)
	if err != nil {
		t.Fatal(err)
	}
	server.Stop()
	restarted := false
	defer func() {
		if !restarted {
			server.Restart()
		}
	}()

	if _, err := l.Reserve(1, 10*dollar, dollar); !errors.Is(err, metering.ErrStoreUnavailable) {
		t.Fatalf("a reservation with Redis down: %v", err)
	}
	if _, err := s.Limiter().Allow(1, 60, time.Now()); !errors.Is(err, metering.ErrStoreUnavailable) {
		t.Fatalf("a rate check with Redis down: %v", err)
	}
	if _, err := l.Used(1); !errors.Is(err, metering.ErrStoreUnavailable) {
		t.Fatalf("usage with Redis down: %v", err)
	}
	l.Settle(r, dollar/2) // the call ended meanwhile
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := l.Flush(ctx); err == nil {
		t.Fatal("a settle reached a stopped Redis")
	}

	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	settled(t, l)
	used, _ := l.Used(1)
	held, _ := l.Reserved(1)
	if used != dollar/2 || held != 0 {
		t.Fatalf("once Redis is back: used %v, reserved %v", used, held)
	}
}
