package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// auditLog is what the gateway uses of either audit log.
type auditLog interface {
	Record(metering.AuditRecord)
	Flush()
	Close()
	Query(user uint64, endpoint string, limit int) ([]metering.AuditRecord, error)
	Page(user uint64, f metering.AuditFilter, before uint64, limit int) ([]metering.AuditRecord, uint64, error)
	Spend(user uint64, since time.Time) (metering.Breakdown, error)
	Verify(user uint64, since time.Time) (metering.AuditVerification, error)
}

func openAudit(t testing.TB, s *Store) *AuditLog {
	t.Helper()
	return openAuditWith(t, s, metering.AuditOptions{})
}

func openAuditWith(t testing.TB, s *Store, opts metering.AuditOptions) *AuditLog {
	t.Helper()
	opts.OnError = func(err error) { t.Log(err) }
	l, err := s.AuditLog(opts, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func eachAuditLog(t *testing.T, test func(t *testing.T, l auditLog)) {
	t.Run("embedded", func(t *testing.T) {
		l, err := metering.OpenAuditLog(boltDB(t), metering.AuditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		test(t, l)
	})
	t.Run("redis", func(t *testing.T) { test(t, openAudit(t, openStore(t, Options{}))) })
}

func auditRecord(user uint64, endpoint string, n int, at time.Time) metering.AuditRecord {
	return metering.AuditRecord{UserID: user, KeyID: 9, RequestID: fmt.Sprintf("req-%d-%d", user, n), Endpoint: endpoint,
		Method: "POST", Status: 200, Model: "gpt", Cost: money.MicroUSD(n), Time: at}
}

func TestAuditNewestFirstByEndpointAndPaged(t *testing.T) {
	eachAuditLog(t, func(t *testing.T, l auditLog) {
		at := time.Now().UTC().Truncate(time.Millisecond)
		for i := 1; i <= 30; i++ {
			endpoint := "/v1/llm"
			if i%3 == 0 {
				endpoint = "/v1/leads"
			}
			l.Record(auditRecord(1, endpoint, i, at))
			l.Record(auditRecord(2, "/v1/llm", 100+i, at))
		}
		l.Flush()
		all, err := l.Query(1, "", 100)
		if err != nil || len(all) != 30 || all[0].RequestID != "req-1-30" || all[29].RequestID != "req-1-1" || all[0].UserID != 1 {
			t.Fatalf("all: %d records, %v", len(all), err)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Fatalf("ids not newest first: %d then %d", all[i-1].ID, all[i].ID)
			}
		}
		leads, _ := l.Query(1, "/v1/leads", 4)
		if len(leads) != 4 || leads[0].RequestID != "req-1-30" || leads[3].RequestID != "req-1-21" {
			t.Fatalf("by endpoint: %+v", leads)
		}
		next, _, _ := l.Page(1, metering.AuditFilter{Endpoint: "/v1/leads"}, leads[3].ID, 100)
		if len(next) != 6 || next[0].RequestID != "req-1-18" {
			t.Fatalf("the next page: %+v", next)
		}
		page, _, _ := l.Page(1, metering.AuditFilter{}, all[9].ID, 5)
		if len(page) != 5 || page[0].RequestID != all[10].RequestID {
			t.Fatalf("a page of all: %+v", page)
		}
		spend, err := l.Spend(2, at.Add(-time.Minute))
		if err != nil || spend.Calls != 30 || spend.ByEndpoint["/v1/llm"] != money.MicroUSD(30*100+465) || spend.ByModel["gpt"] != spend.ByEndpoint["/v1/llm"] {
			t.Fatalf("spend: %+v %v", spend, err)
		}
		if none, _ := l.Query(3, "", 10); len(none) != 0 {
			t.Fatalf("another account's records: %+v", none)
		}
	})
}

func TestEveryInstanceReadsEveryInstancesRecords(t *testing.T) {
	s := openStore(t, Options{})
	a, b := openAudit(t, s), openAudit(t, s)
	at := time.Now().UTC()
	a.Record(auditRecord(1, "/v1/llm", 1, at))
	b.Record(auditRecord(1, "/v1/llm", 2, at))
	a.Flush()
	b.Flush()
	for _, l := range []*AuditLog{a, b} {
		if got, err := l.Query(1, "/v1/llm", 10); err != nil || len(got) != 2 {
			t.Fatalf("%d records, %v", len(got), err)
		}
	}
}

func TestAuditRecordsWaitForRedisAndAreWrittenOnce(t *testing.T) {
	s := openStore(t, Options{Timeout: 200 * time.Millisecond})
	l := openAudit(t, s)
	at := time.Now().UTC()
	l.Record(auditRecord(1, "/v1/llm", 1, at))
	l.Flush()
	server.Stop()
	restarted := false
	defer func() {
		if !restarted {
			server.Restart()
		}
	}()
	for i := 2; i <= 5; i++ {
		l.Record(auditRecord(1, "/v1/llm", i, at))
	}
	l.Flush() // the batch fails and waits
	if l.waiting() != 4 {
		t.Fatalf("%d records wait, want 4", l.waiting())
	}
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for l.waiting() > 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	// A batch sent twice (its answer lost the first time) is added once.
	record, _ := json.Marshal(auditRecord(1, "/v1/llm", 6, at))
	twice := auditBatch{account: 1, token: uniqueName(), made: time.Now(), records: [][]byte{record}, index: []string{"/v1/llm"}}
	for range 2 {
		l.mu.Lock()
		l.backlog, l.held = append(l.backlog, twice), l.held+1
		l.mu.Unlock()
		if err := l.send(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Query(1, "", 100)
	if err != nil || len(got) != 6 {
		t.Fatalf("%d records after Redis came back, want 6: %v", len(got), err)
	}
	if v, err := l.Verify(1, time.Time{}); err != nil || !v.OK || v.Checked != 6 {
		t.Fatalf("the chain after Redis came back: %+v, %v", v, err)
	}
}
