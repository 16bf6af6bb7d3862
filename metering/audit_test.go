package metering

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func newTestAudit(t testing.TB, opts AuditOptions) *AuditLog {
	t.Helper()
	db, _ := openTestDB(t)
	l, err := OpenAuditLog(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func rec(user uint64, endpoint string, at time.Time) AuditRecord {
	return AuditRecord{UserID: user, KeyID: user * 10, Endpoint: endpoint, Method: "GET", Status: 200, Time: at, RequestID: "r"}
}

func TestAuditQueryOrderLimitAndFilter(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	for i := 0; i < 10; i++ {
		ep := "/v1/me"
		if i%2 == 0 {
			ep = "/v1/llm"
		}
		r := rec(1, ep, t0.Add(time.Duration(i)*time.Second))
		r.Status = 200 + i
		l.Record(r)
		l.Record(rec(2, ep, t0)) // another account, interleaved
	}
	l.Flush()

	all, err := l.Query(1, "", 100)
	if err != nil || len(all) != 10 {
		t.Fatalf("Query(all) = %d records, %v", len(all), err)
	}
	for i, r := range all {
		if r.Status != 209-i || r.UserID != 1 {
			t.Fatalf("record %d: status %d user %d; want newest first, account 1 only", i, r.Status, r.UserID)
		}
	}
	three, _ := l.Query(1, "", 3)
	if len(three) != 3 || three[0].Status != 209 {
		t.Fatalf("limit 3: %+v", three)
	}
	llm, _ := l.Query(1, "/v1/llm", 100)
	if len(llm) != 5 || llm[0].Status != 208 || llm[4].Status != 200 {
		t.Fatalf("endpoint filter: %d records, first %+v", len(llm), llm)
	}
	for _, r := range llm {
		if r.Endpoint != "/v1/llm" {
			t.Fatalf("filter let through %s", r.Endpoint)
		}
	}
	if none, _ := l.Query(1, "/v1/l", 100); len(none) != 0 {
		t.Fatalf("a prefix of an endpoint matched %d records", len(none))
	}
	if none, _ := l.Query(3, "", 100); len(none) != 0 {
		t.Fatalf("an account without calls sees %d records", len(none))
	}
}

func TestAuditFlushesByTimeWithoutAFlushCall(t *testing.T) {
	l := newTestAudit(t, AuditOptions{FlushInterval: 10 * time.Millisecond})
	l.Record(rec(1, "/v1/me", t0))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := l.Query(1, "", 10); len(got) == 1 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("a lone record was not committed by its flush interval")
}

func TestAuditFlushIntervalChangesWhileRunning(t *testing.T) {
	l := newTestAudit(t, AuditOptions{FlushInterval: time.Hour})
	l.SetFlushInterval(10 * time.Millisecond)
	l.Record(rec(1, "/v1/me", t0))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := l.Query(1, "", 10); len(got) == 1 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the record waited for the old interval")
}

func TestAuditCloseCommitsAndLaterRecordsAreReported(t *testing.T) {
	var dropped atomic.Int64
	db, _ := openTestDB(t)
	l, err := OpenAuditLog(db, AuditOptions{FlushInterval: time.Hour, OnError: func(err error) {
		if errors.Is(err, ErrAuditClosed) {
			dropped.Add(1)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		l.Record(rec(1, "/v1/me", t0))
	}
	l.Close()
	l.Record(rec(1, "/v1/me", t0))
	if dropped.Load() != 1 {
		t.Fatalf("%d records reported dropped after Close, want 1", dropped.Load())
	}
	again, err := OpenAuditLog(db, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, _ := again.Query(1, "", 100); len(got) != 5 {
		t.Fatalf("%d records after Close, want the 5 queued before it", len(got))
	}
}

// Records racing with Close are either committed or reported, never lost
// without a word.
func TestAuditRecordsRacingCloseAreCommittedOrReported(t *testing.T) {
	for round := 0; round < 20; round++ {
		var dropped atomic.Int64
		db, _ := openTestDB(t)
		l, err := OpenAuditLog(db, AuditOptions{OnError: func(err error) {
			if errors.Is(err, ErrAuditClosed) {
				dropped.Add(1)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		const writers, each = 8, 200
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					l.Record(rec(1, "/v1/me", t0))
				}
			}()
		}
		time.Sleep(time.Duration(round) * 50 * time.Microsecond)
		l.Close()
		wg.Wait()
		again, err := OpenAuditLog(db, AuditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := again.Query(1, "", writers*each)
		again.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(stored) + int(dropped.Load()); got != writers*each {
			t.Fatalf("round %d: %d stored + %d reported = %d, want %d", round, len(stored), dropped.Load(), got, writers*each)
		}
	}
}

func TestAuditSweepDropsOldRecordsAndTheirIndexes(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	for day := 0; day < 5; day++ {
		l.Record(rec(1, "/v1/llm", t0.Add(time.Duration(day)*24*time.Hour)))
	}
	l.Flush()
	total := 0
	for {
		n, err := l.Sweep(t0.Add(3*24*time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if n < 2 {
			break
		}
	}
	if total != 3 {
		t.Fatalf("swept %d, want the 3 older than day 3", total)
	}
	for _, ep := range []string{"", "/v1/llm"} {
		got, _ := l.Query(1, ep, 100)
		if len(got) != 2 || got[1].Time.Before(t0.Add(3*24*time.Hour)) {
			t.Fatalf("after sweep, Query(%q) = %+v", ep, got)
		}
	}
	for name, bucket := range map[string][]byte{"by key": bucketAuditByKey, "by account time": bucketAuditByAccountTime, "by endpoint": bucketAuditByEndpoint} {
		if n := bucketLen(t, l, bucket); n != 2 {
			t.Errorf("the index %s keeps %d entries, want the 2 records left", name, n)
		}
	}
}

func bucketLen(t *testing.T, l *AuditLog, bucket []byte) int {
	t.Helper()
	n := 0
	err := l.db.View(func(tx *bolt.Tx) error { return tx.Bucket(bucket).ForEach(func(_, _ []byte) error { n++; return nil }) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A log written before the key and time indexes is indexed when opened,
// once, and its records are found by key and by time.
func TestAuditIndexesAnOlderLogWhenOpened(t *testing.T) {
	db, _ := openTestDB(t)
	l, err := OpenAuditLog(db, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		l.Record(rec(1, "/v1/llm", t0.Add(time.Duration(i)*time.Second)))
	}
	l.Close()
	err = db.Update(func(tx *bolt.Tx) error { // the older layout: no such indexes, no layout mark
		for _, b := range [][]byte{bucketAuditByKey, bucketAuditByAccountTime, bucketAuditMeta} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err = OpenAuditLog(db, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	byKey, _, err := l.Page(1, AuditFilter{KeyID: 10}, 0, 100)
	if err != nil || len(byKey) != 25 {
		t.Fatalf("by key: %d records, %v", len(byKey), err)
	}
	byTime, _, err := l.Page(1, AuditFilter{Since: t0.Add(10 * time.Second), Until: t0.Add(20 * time.Second)}, 0, 100)
	if err != nil || len(byTime) != 10 || !byTime[0].Time.Equal(t0.Add(19*time.Second)) {
		t.Fatalf("by time: %d records, %v", len(byTime), err)
	}
}

func TestAuditConcurrentWritersLoseNothing(t *testing.T) {
	l := newTestAudit(t, AuditOptions{BatchSize: 64, QueueSize: 128})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				l.Record(rec(uint64(g+1), fmt.Sprintf("/v1/e%d", i%3), t0))
			}
		}()
	}
	wg.Wait()
	l.Flush()
	for g := 1; g <= 8; g++ {
		if got, _ := l.Query(uint64(g), "", 1000); len(got) != 500 {
			t.Fatalf("account %d: %d records, want 500", g, len(got))
		}
	}
}

// BenchmarkAuditRecord measures the hot-path cost of enqueueing a record.
// BenchmarkAuditRecord measures what a request pays to enqueue its record.
// The writer is drained outside the timer whenever the queue is half full,
// so the figure is the enqueue alone, not the writer's back-pressure.
func BenchmarkAuditRecord(b *testing.B) {
	const queue = 1 << 16
	l := newTestAudit(b, AuditOptions{QueueSize: queue, FlushInterval: time.Hour, BatchSize: queue})
	r := rec(1, "/v1/llm", t0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%(queue/2) == queue/2-1 {
			b.StopTimer()
			l.Flush()
			b.StartTimer()
		}
		l.Record(r)
	}
	b.StopTimer()
	l.Flush()
}

// BenchmarkAuditWriterThroughput measures records committed to bbolt per
// second, enqueue to durable.
func BenchmarkAuditWriterThroughput(b *testing.B) {
	l := newTestAudit(b, AuditOptions{})
	r := rec(1, "/v1/llm", t0)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r.UserID, r.Time = uint64(i%100+1), t0.Add(time.Duration(i)*time.Millisecond)
		l.Record(r)
	}
	l.Flush()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
