package metering

// Scale checks for /v1/audit and /v1/usage. They are benchmarks only (nothing
// here runs under a plain `go test`), and they skip under -short. Run with:
//
//	go test -run XXX -bench Scale -benchtime 1000x ./metering/

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/money"
)

const (
	scaleAuditUser    = 1 // the account with 1,000,000 records
	scaleAuditRecords = 1_000_000
	scaleSmallUser    = 1_000 // an account with 1,000 records, for comparison
	scaleSmallRecords = 1_000
	scaleOtherUsers   = 50      // accounts 2..51
	scaleOtherRecords = 250_000 // spread over them
	scaleAuditBatch   = 50_000  // records per bbolt transaction while building
)

// scaleEndpoint spreads the big account's records over endpoints: 60% llm,
// 20% chat completions, 10% messages, 5% me, 4.9% usage, and 0.1% leads, a
// rare endpoint whose newest 100 records lie far apart in the log.
func scaleEndpoint(i int) string {
	if i%1000 == 999 {
		return "/v1/leads"
	}
	switch n := i % 100; {
	case n < 60:
		return "/v1/llm"
	case n < 80:
		return "/v1/chat/completions"
	case n < 90:
		return "/v1/messages"
	case n < 95:
		return "/v1/me"
	default:
		return "/v1/usage"
	}
}

// scaleProviders are the providers and models the records spread over.
var scaleProviders = [][2]string{{"anthropic", "claude-sonnet-4-5"}, {"openai", "gpt-5.4"}, {"google", "gemini-2.5-flash"}}

// scaleStatus is 500 for 1 record in 200, 429 for 1 in 50, else 200.
func scaleStatus(i int) int {
	switch {
	case i%200 == 0:
		return 500
	case i%50 == 1:
		return 429
	}
	return 200
}

// buildScaleAudit writes 1,000,000 records of one account, 1,000 of a small
// one and 250,000 of 50 others, interleaved in time over 30 days, through the
// log's own batch writer in large transactions.
func buildScaleAudit(b *testing.B, path string) (*AuditLog, *bolt.DB) {
	start := time.Now()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	l, err := OpenAuditLog(db, AuditOptions{})
	if err != nil {
		b.Fatal(err)
	}
	total := scaleAuditRecords + scaleSmallRecords + scaleOtherRecords
	first := t0.Add(-30 * 24 * time.Hour)
	step := 30 * 24 * time.Hour / time.Duration(total)
	var big, small, other int
	batch := make([]AuditRecord, 0, scaleAuditBatch)
	for i := 0; i < total; i++ {
		provider := scaleProviders[i%len(scaleProviders)]
		r := AuditRecord{
			Method:    "POST",
			Status:    scaleStatus(i),
			Provider:  provider[0],
			Model:     provider[1],
			TokensIn:  int64(100 + i%4000),
			TokensOut: int64(50 + i%900),
			Cost:      money.MicroUSD(1000 + i%50_000),
			LatencyMS: int64(200 + i%3000),
			RequestID: fmt.Sprintf("req_%020d", i),
			Time:      first.Add(time.Duration(i) * step),
		}
		// Every fifth slot goes to another account while they have records
		// left; every 1,250th to the small one.
		switch {
		case i%1250 == 0 && small < scaleSmallRecords:
			r.UserID, r.KeyID, r.Endpoint = scaleSmallUser, scaleSmallUser*10, scaleEndpoint(small)
			small++
		case i%5 == 0 && other < scaleOtherRecords:
			u := uint64(2 + other%scaleOtherUsers)
			r.UserID, r.KeyID, r.Endpoint = u, u*10, scaleEndpoint(other)
			other++
		case big < scaleAuditRecords:
			r.UserID, r.KeyID, r.Endpoint, r.Status = scaleAuditUser, scaleAuditUser*10+uint64(big/7%3), scaleEndpoint(big), scaleStatus(big)
			big++
		case other < scaleOtherRecords:
			u := uint64(2 + other%scaleOtherUsers)
			r.UserID, r.KeyID, r.Endpoint = u, u*10, scaleEndpoint(other)
			other++
		default:
			r.UserID, r.KeyID, r.Endpoint = scaleSmallUser, scaleSmallUser*10, scaleEndpoint(small)
			small++
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) || i == total-1 {
			if err := l.write(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if big != scaleAuditRecords || small != scaleSmallRecords || other != scaleOtherRecords {
		b.Fatalf("fixture holds %d/%d/%d records, want %d/%d/%d", big, small, other, scaleAuditRecords, scaleSmallRecords, scaleOtherRecords)
	}
	var size int64
	db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	b.Logf("fixture: %d audit records (%d of account %d) written in %v; file %d MB",
		total, big, scaleAuditUser, time.Since(start).Round(time.Millisecond), size>>20)
	runtime.GC()
	return l, db
}

// BenchmarkScaleAuditQuery measures what /v1/audit runs, Query(user,
// endpoint, 100), for an account with 1,000,000 records (plus 251,000 of 51
// other accounts in the same buckets): all endpoints, a common one, and a
// rare one (1 record in 1,000), against a small account's query on the same
// file. Index reads cost the same at any history length, so the big account
// should match the small one.
func BenchmarkScaleAuditQuery(b *testing.B) {
	if testing.Short() {
		b.Skip("scale benchmark: skipped under -short")
	}
	dir := b.TempDir()
	var once sync.Once
	var l *AuditLog
	var db *bolt.DB
	fixture := func(b *testing.B) *AuditLog {
		once.Do(func() { l, db = buildScaleAudit(b, filepath.Join(dir, "audit.db")) })
		if l == nil {
			b.Fatal("fixture build failed")
		}
		return l
	}
	defer func() {
		if l != nil {
			l.Close()
			db.Close()
		}
	}()
	for _, c := range []struct {
		name     string
		user     uint64
		endpoint string
	}{
		{"records=1M/endpoint=all", scaleAuditUser, ""},
		{"records=1M/endpoint=llm", scaleAuditUser, "/v1/llm"},
		{"records=1M/endpoint=leads-rare", scaleAuditUser, "/v1/leads"},
		{"records=1k/endpoint=all", scaleSmallUser, ""},
		{"records=1k/endpoint=llm", scaleSmallUser, "/v1/llm"},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := fixture(b)
			got, err := l.Query(c.user, c.endpoint, 100)
			if err != nil {
				b.Fatal(err)
			}
			const want = 100
			if len(got) != want {
				b.Fatalf("Query returned %d records, want %d", len(got), want)
			}
			for i, r := range got {
				if r.UserID != c.user || c.endpoint != "" && r.Endpoint != c.endpoint || i > 0 && r.ID >= got[i-1].ID {
					b.Fatalf("record %d: %+v; want account %d, endpoint %q, newest first", i, r, c.user, c.endpoint)
				}
			}
			durs := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				got, err := l.Query(c.user, c.endpoint, 100)
				durs = append(durs, time.Since(start))
				if err != nil || len(got) != want {
					b.Fatalf("Query: %d records, %v", len(got), err)
				}
			}
			b.StopTimer()
			reportScaleLatencies(b, durs)
		})
	}
}

// BenchmarkScaleAuditPage measures a page of 100 of GET /v1/audit with
// each filter, for the account with 1,000,000 records: by key (one in
// three of its records, an index), by time (one day of the 30, an index),
// by status (500: one in 200; a scan of at most AuditScanBudget records,
// so the page holds what that scan found), by provider and by model, and
// all at once.
//
//	go test -run XXX -bench ScaleAuditPage -benchtime 1000x ./metering/
func BenchmarkScaleAuditPage(b *testing.B) {
	if testing.Short() {
		b.Skip("scale benchmark: skipped under -short")
	}
	l, db := buildScaleAudit(b, filepath.Join(b.TempDir(), "audit.db"))
	defer db.Close()
	defer l.Close()
	day := t0.Add(-15 * 24 * time.Hour)
	for _, c := range []struct {
		name string
		f    AuditFilter
	}{
		{"none", AuditFilter{}},
		{"key", AuditFilter{KeyID: scaleAuditUser*10 + 1}},
		{"day", AuditFilter{Since: day, Until: day.Add(24 * time.Hour)}},
		{"since", AuditFilter{Since: day}},
		{"status-rare", AuditFilter{Status: 500}},
		{"provider", AuditFilter{Provider: "openai"}},
		{"model", AuditFilter{Model: "gemini-2.5-flash"}},
		{"day+key+status+model", AuditFilter{Since: day, Until: day.Add(24 * time.Hour), KeyID: scaleAuditUser*10 + 2, Status: 200, Model: "gpt-5.4"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			durs := make([]time.Duration, 0, b.N)
			found := 0
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				got, next, err := l.Page(scaleAuditUser, c.f, 0, 100)
				durs = append(durs, time.Since(start))
				if err != nil || len(got) > 100 || len(got) < 100 && next != 0 && !c.f.scansPast() {
					b.Fatalf("Page: %d records, next %d, %v", len(got), next, err)
				}
				for _, r := range got {
					if !c.f.Matches(r) || r.UserID != scaleAuditUser {
						b.Fatalf("a record outside the filter: %+v", r)
					}
				}
				found = len(got)
			}
			b.StopTimer()
			b.ReportMetric(float64(found), "records/page")
			reportScaleLatencies(b, durs)
		})
	}
}

// scansPast reports whether f filters on what no index serves, so a page
// may end short of its limit.
func (f AuditFilter) scansPast() bool { return f.Status != 0 || f.Provider != "" || f.Model != "" }

const (
	scaleUsageAccounts = 1_000
	scaleUsageDays     = 90 // 30 in the window, 60 before it
	scaleUsageSettles  = 3  // calls per account per day
)

// scaleCost is what call k of an account on a day cost.
func scaleCost(account uint64, day, k int) money.MicroUSD {
	return money.MicroUSD(1 + (int(account)*7919+day*104729+k*31)%250_000)
}

// buildScaleUsage fills the ledger the way the gateway does: for each of 90
// days, every account settles a few calls, and the day is flushed once. The
// clock ends on the last day. It returns the clock and each account's
// expected 30-day total.
func buildScaleUsage(b *testing.B, path string) (*bolt.DB, func() time.Time, map[uint64]money.MicroUSD) {
	start := time.Now()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	clock := &testClock{}
	clock.unix.Store(t0.Add(-(scaleUsageDays - 1) * 24 * time.Hour).Unix())
	l, err := OpenLedger(db, clock.now)
	if err != nil {
		b.Fatal(err)
	}
	want := map[uint64]money.MicroUSD{}
	for day := 0; day < scaleUsageDays; day++ {
		for a := uint64(1); a <= scaleUsageAccounts; a++ {
			for k := 0; k < scaleUsageSettles; k++ {
				r, err := l.Reserve(a, 1<<60, 1000)
				if err != nil {
					b.Fatal(err)
				}
				cost := scaleCost(a, day, k)
				l.Settle(r, cost)
				if day >= scaleUsageDays-WindowDays {
					want[a] += cost
				}
			}
		}
		if err := l.Flush(); err != nil {
			b.Fatal(err)
		}
		if day < scaleUsageDays-1 {
			clock.advance(24 * time.Hour)
		}
	}
	var rows int
	db.View(func(tx *bolt.Tx) error { rows = tx.Bucket(bucketUsage).Stats().KeyN; return nil })
	b.Logf("fixture: %d accounts x %d days (%d usage rows) written in %v",
		scaleUsageAccounts, scaleUsageDays, rows, time.Since(start).Round(time.Millisecond))
	runtime.GC()
	return db, clock.now, want
}

// BenchmarkScaleUsage measures Ledger.Used, what /v1/usage calls, for
// accounts with 90 days of ledger of which 30 are in the window. Cold: the
// first call for an account since the ledger was opened, which reads its
// window from bbolt (each op a different account; a new ledger, as after a
// restart, once all have been read). Warm: the window is already in memory.
func BenchmarkScaleUsage(b *testing.B) {
	if testing.Short() {
		b.Skip("scale benchmark: skipped under -short")
	}
	dir := b.TempDir()
	var once sync.Once
	var db *bolt.DB
	var now func() time.Time
	var want map[uint64]money.MicroUSD
	fixture := func(b *testing.B) {
		once.Do(func() { db, now, want = buildScaleUsage(b, filepath.Join(dir, "usage.db")) })
		if db == nil {
			b.Fatal("fixture build failed")
		}
	}
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	// A Ledger as OpenLedger returns it, without its bucket-creating write
	// transaction (the bucket exists).
	fresh := func() *Ledger { return &Ledger{db: db, now: now} }
	check := func(b *testing.B, account uint64, used money.MicroUSD) {
		if used != want[account] {
			b.Fatalf("account %d: used %d, want %d", account, used, want[account])
		}
	}

	b.Run("days=30/cold", func(b *testing.B) {
		fixture(b)
		l := fresh()
		reads := db.Stats().TxN
		durs := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i > 0 && i%scaleUsageAccounts == 0 {
				l = fresh()
			}
			account := uint64(1 + i%scaleUsageAccounts)
			start := time.Now()
			used, err := l.Used(account)
			durs = append(durs, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			check(b, account, used)
		}
		b.StopTimer()
		b.ReportMetric(float64(db.Stats().TxN-reads)/float64(b.N), "reads/op")
		reportScaleLatencies(b, durs)
	})
	b.Run("days=30/warm", func(b *testing.B) {
		fixture(b)
		l := fresh()
		for a := uint64(1); a <= scaleUsageAccounts; a++ {
			used, err := l.Used(a)
			if err != nil {
				b.Fatal(err)
			}
			check(b, a, used)
		}
		reads := db.Stats().TxN
		durs := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			account := uint64(1 + i%scaleUsageAccounts)
			start := time.Now()
			used, err := l.Used(account)
			durs = append(durs, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			check(b, account, used)
		}
		b.StopTimer()
		b.ReportMetric(float64(db.Stats().TxN-reads)/float64(b.N), "reads/op")
		reportScaleLatencies(b, durs)
	})
}

// reportScaleLatencies reports the median and 99th percentile of per-call
// durations. Each includes one time.Now/time.Since pair (tens of ns).
func reportScaleLatencies(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	at := func(p float64) float64 {
		i := int(float64(len(durs))*p+0.5) - 1
		return float64(durs[max(0, min(i, len(durs)-1))].Nanoseconds())
	}
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
}
