package dashboard

import (
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

func TestSpendIsSummedOnceAWhileForTheSameWindow(t *testing.T) {
	var c spendCache
	sums := 0
	sum := func(uint64, time.Time) (metering.Breakdown, error) {
		sums++
		return metering.Breakdown{Calls: sums}, nil
	}
	since, now := time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for i, step := range []struct {
		user      uint64
		since     time.Time
		at        time.Duration
		wantCalls int
	}{
		{1, since, 0, 1},                                 // summed
		{1, since, 29 * time.Second, 1},                  // fresh: from the cache
		{2, since, 29 * time.Second, 2},                  // another account
		{1, since.AddDate(0, 0, 1), 29 * time.Second, 3}, // another window (a new day)
		{1, since.AddDate(0, 0, 1), 60 * time.Second, 4}, // stale: summed again
	} {
		b, err := c.of(step.user, step.since, now.Add(step.at), sum)
		if err != nil || b.Calls != step.wantCalls {
			t.Fatalf("step %d: breakdown of call %d, want %d (%v)", i+1, b.Calls, step.wantCalls, err)
		}
	}
}
