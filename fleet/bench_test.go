package fleet

import (
	"sync/atomic"
	"testing"
	"time"
)

// What one Redis core sustains: run with -cpu and -benchtime to taste,
// e.g. go test -run XXX -bench . -benchtime 20000x ./fleet/. Parallel
// callers over 1,000 accounts, as a fleet's instances would be.

func BenchmarkRateLimitAllow(b *testing.B) {
	l := openStore(b, Options{}).Limiter()
	var account atomic.Uint64
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Allow(account.Add(1)%1000, 1_000_000, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkReserveAndSettle(b *testing.B) {
	l := openLedger(b, openStore(b, Options{}))
	var account atomic.Uint64
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := l.Reserve(account.Add(1)%1000, 1<<60, 1000)
			if err != nil {
				b.Error(err)
				return
			}
			l.Settle(r, 500)
		}
	})
}
