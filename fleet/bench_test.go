package fleet

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

// What one Redis core sustains: go test -run XXX -bench . -benchtime
// 20000x ./fleet/. Parallel callers over 1,000 accounts, as a fleet's
// instances would be; redis-µs/op is the Redis server's own CPU per
// operation (INFO cpu), so 1e6 / redis-µs/op is what one Redis core
// sustains, whatever the load generator beside it costs.

func BenchmarkRateLimitAllow(b *testing.B) {
	s := openStore(b, Options{})
	l := s.Limiter()
	var account atomic.Uint64
	b.SetParallelism(16)
	measureRedis(b, s, func() {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Allow(account.Add(1)%1000, 1_000_000, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkReserveAndSettle(b *testing.B) {
	benchmarkHolds(b, func(l *Ledger, account uint64) (metering.Reservation, error) {
		return l.Reserve(account, 1<<60, 1000)
	})
}

func BenchmarkAdmitAndSettle(b *testing.B) {
	benchmarkHolds(b, func(l *Ledger, account uint64) (metering.Reservation, error) {
		_, r, err := l.Admit(account, 1_000_000, time.Now(), 1<<60, 1000)
		return r, err
	})
}

// An account that spends every day has 30 days in its ledger: the window's
// sum is kept, so only an account's first admission of a day reads them.
func BenchmarkAdmitAndSettleWith30DaysOfUsage(b *testing.B) {
	s := openStore(b, Options{})
	today := dayOf(time.Now())
	for account := range uint64(1000) {
		var days []any
		for d := range int64(metering.WindowDays) {
			days = append(days, today-d, 1000)
		}
		if err := s.client.HSet(context.Background(), s.accountKey(account, "days"), days...).Err(); err != nil {
			b.Fatal(err)
		}
	}
	benchmarkHoldsIn(b, s, func(l *Ledger, account uint64) (metering.Reservation, error) {
		_, r, err := l.Admit(account, 1_000_000, time.Now(), 1<<60, 1000)
		return r, err
	})
}

func benchmarkHolds(b *testing.B, hold func(l *Ledger, account uint64) (metering.Reservation, error)) {
	benchmarkHoldsIn(b, openStore(b, Options{}), hold)
}

// benchmarkHoldsIn holds and settles over 1,000 accounts until every
// settle is in Redis.
func benchmarkHoldsIn(b *testing.B, s *Store, hold func(l *Ledger, account uint64) (metering.Reservation, error)) {
	l := openLedger(b, s)
	var account atomic.Uint64
	b.SetParallelism(16)
	measureRedis(b, s, func() {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, err := hold(l, account.Add(1)%1000)
				if err != nil {
					b.Error(err)
					return
				}
				l.Settle(r, 500)
			}
		})
		if err := l.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
	})
}

// measureRedis runs work and reports the Redis server's CPU per op.
func measureRedis(b *testing.B, s *Store, work func()) {
	before := redisCPU(b, s)
	work()
	b.ReportMetric(float64((redisCPU(b, s)-before).Microseconds())/float64(b.N), "redis-µs/op")
}

// redisCPU is the server's user and system CPU time so far.
func redisCPU(b *testing.B, s *Store) time.Duration {
	info, err := s.client.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		name, value, _ := strings.Cut(line, ":")
		if name == "used_cpu_sys" || name == "used_cpu_user" {
			seconds, _ := strconv.ParseFloat(value, 64)
			total += seconds
		}
	}
	return time.Duration(total * float64(time.Second))
}

// BenchmarkAuditWriterThroughput measures records written to Redis a
// second, enqueue to taken, over 100 accounts, by one instance and by two
// that write the same accounts at once.
func BenchmarkAuditWriterThroughput(b *testing.B) {
	for _, instances := range []int{1, 2} {
		b.Run(strconv.Itoa(instances)+"-instances", func(b *testing.B) {
			s := openStore(b, Options{})
			logs := make([]*AuditLog, instances)
			for i := range logs {
				logs[i] = openAudit(b, s)
			}
			at := time.Now().UTC()
			measureRedis(b, s, func() {
				start := time.Now()
				var wg sync.WaitGroup
				for i, l := range logs {
					wg.Go(func() {
						for n := i; n < b.N; n += instances {
							l.Record(auditRecord(uint64(n/instances%100+1), "/v1/llm", n, at))
						}
						l.Flush()
						for l.waiting() > 0 {
							time.Sleep(time.Millisecond)
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			})
		})
	}
}

// BenchmarkAuditVerify measures how fast Verify walks a chain of 20,000
// records, a round trip a thousand.
func BenchmarkAuditVerify(b *testing.B) {
	s := openStore(b, Options{})
	l := openAudit(b, s)
	const records = 20_000
	at := time.Now().UTC()
	for n := range records {
		l.Record(auditRecord(1, "/v1/llm", n, at))
	}
	l.Flush()
	b.ResetTimer()
	for range b.N {
		if v, err := l.Verify(1, time.Time{}); err != nil || !v.OK || v.Checked != records {
			b.Fatalf("%+v, %v", v, err)
		}
	}
	b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
}
