package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// pagedRecords writes 2,500 records of account 1 over three keys,
// statuses, providers, models and endpoints, two a second (a tie in time
// for each pair), among account 2's, and returns account 1's as written.
func pagedRecords(t *testing.T, l auditLog, at time.Time) []metering.AuditRecord {
	t.Helper()
	var mine []metering.AuditRecord
	for i := range 2500 {
		r := metering.AuditRecord{UserID: 1, KeyID: uint64(1 + i%3), RequestID: fmt.Sprintf("req-%d", i),
			Endpoint: []string{"/v1/llm", "/v1/leads"}[i%2], Method: "POST", Status: []int{200, 200, 429, 500}[i%4],
			Provider: []string{"openai", "anthropic", ""}[i%3], Model: fmt.Sprintf("m%d", i%5),
			Cost: money.MicroUSD(i), Time: at.Add(time.Duration(i/2) * time.Second)}
		l.Record(r)
		mine = append(mine, r)
		if i%10 == 0 {
			l.Record(metering.AuditRecord{UserID: 2, KeyID: 1, RequestID: fmt.Sprintf("other-%d", i), Endpoint: "/v1/llm",
				Status: 200, Provider: "openai", Model: "m0", Time: r.Time})
		}
	}
	l.Flush()
	return mine
}

// pageAll pages through a listing 100 records at a time and returns every
// record, failing on a page over the limit or a cursor that repeats.
func pageAll(t *testing.T, l auditLog, f metering.AuditFilter) []metering.AuditRecord {
	t.Helper()
	var all []metering.AuditRecord
	var before uint64
	for pages := 0; ; pages++ {
		page, next, err := l.Page(1, f, before, 100)
		if err != nil {
			t.Fatalf("%+v: page %d: %v", f, pages, err)
		}
		if len(page) > 100 || pages > 2500 {
			t.Fatalf("%+v: page %d holds %d records", f, pages, len(page))
		}
		all = append(all, page...)
		if next == 0 {
			return all
		}
		if next == before {
			t.Fatalf("%+v: the cursor %d repeats", f, next)
		}
		before = next
	}
}

func TestAuditPagingReturnsEachRecordOnceNewestFirst(t *testing.T) {
	eachAuditLog(t, func(t *testing.T, l auditLog) {
		at := time.Now().UTC().Truncate(time.Millisecond).Add(-2 * time.Hour)
		mine := pagedRecords(t, l, at)
		since, until := at.Add(300*time.Second), at.Add(900*time.Second)
		for _, f := range []metering.AuditFilter{
			{},
			{KeyID: 2},
			{Endpoint: "/v1/leads"},
			{Status: 500},
			{Provider: "anthropic"},
			{Model: "m3"},
			{Since: since, Until: until},
			{Since: since},
			{Until: until},
			{Since: since, Until: until, KeyID: 2, Status: 200},
			{Endpoint: "/v1/llm", Provider: "openai", Model: "m1"},
			{Status: 404}, // none
		} {
			got := pageAll(t, l, f)
			var want []string
			for _, r := range mine {
				if f.Matches(r) {
					want = append(want, r.RequestID)
				}
			}
			seen := map[string]bool{}
			for i, r := range got {
				if r.UserID != 1 || !f.Matches(r) || seen[r.RequestID] {
					t.Fatalf("%+v: record %d %+v: another account's, outside the filter, or seen before", f, i, r)
				}
				seen[r.RequestID] = true
				if i == 0 {
					continue
				}
				prev := got[i-1]
				newestFirst := r.ID < prev.ID
				if f.Timed() { // by time, then id
					newestFirst = r.Time.Before(prev.Time) || r.Time.Equal(prev.Time) && r.ID < prev.ID
				}
				if !newestFirst {
					t.Fatalf("%+v: %s (%d, %s) listed after %s (%d, %s)", f, r.RequestID, r.ID, r.Time, prev.RequestID, prev.ID, prev.Time)
				}
			}
			if len(got) != len(want) {
				missing := slices.DeleteFunc(want, func(id string) bool { return seen[id] })
				t.Fatalf("%+v: %d records, want %d; missing %d, the first %v", f, len(got), len(want), len(missing), missing[:min(3, len(missing))])
			}
		}
	})
}

func TestAuditPageByTimeBelowAnUnknownRecordIsRefused(t *testing.T) {
	eachAuditLog(t, func(t *testing.T, l auditLog) {
		at := time.Now().UTC().Truncate(time.Millisecond)
		l.Record(auditRecord(1, "/v1/llm", 1, at))
		l.Flush()
		_, _, err := l.Page(1, metering.AuditFilter{Since: at.Add(-time.Hour)}, 1<<40, 10)
		if !errors.Is(err, metering.ErrUnknownCursor) {
			t.Fatalf("a page below an unknown record: %v, want ErrUnknownCursor", err)
		}
	})
}

// A listing by time that pages on from a record retention trimmed goes on
// when the caller knows that record's time, and is refused when it does
// not.
func TestAuditPageByTimeGoesOnPastATrimmedRecord(t *testing.T) {
	eachAuditLog(t, func(t *testing.T, l auditLog) {
		at := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
		for i := range 30 {
			l.Record(auditRecord(1, "/v1/llm", i, at.Add(time.Duration(i)*time.Second)))
		}
		l.Flush()
		f := metering.AuditFilter{Since: at}
		page, next, err := l.Page(1, f, 0, 10)
		if err != nil || len(page) != 10 || next != page[9].ID {
			t.Fatalf("first page: %d, %d, %v", len(page), next, err)
		}
		cursor := page[9] // the 21st record by time; trim it and all before it
		trimThrough(t, l, cursor)
		if _, _, err := l.Page(1, f, next, 10); !errors.Is(err, metering.ErrUnknownCursor) {
			t.Fatalf("without the record's time: %v, want ErrUnknownCursor", err)
		}
		f.BeforeTime = cursor.Time
		rest, more, err := l.Page(1, f, next, 10)
		if err != nil || len(rest) != 0 || more != 0 {
			t.Fatalf("with it: %d records, next %d, %v; want the listing's end", len(rest), more, err)
		}
	})
}

// trimThrough removes the account's records up to cursor's time, as
// retention does.
func trimThrough(t *testing.T, l auditLog, cursor metering.AuditRecord) {
	t.Helper()
	switch log := l.(type) {
	case *metering.AuditLog:
		if _, err := log.Sweep(cursor.Time.Add(time.Nanosecond), 1000); err != nil {
			t.Fatal(err)
		}
	case *AuditLog:
		all, _, err := log.Page(1, metering.AuditFilter{Until: cursor.Time.Add(time.Nanosecond)}, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			if err := log.store.client.XDel(context.Background(), log.stream(1), streamID(r.ID)).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// In Redis the time index keeps a trimmed record's place until retention
// trims it too: a listing that knows the record's time goes on exactly
// below it, the next records once each.
func TestAuditPageByTimeGoesOnBelowADeletedRecordInPlace(t *testing.T) {
	l := openAudit(t, openStore(t, Options{}))
	at := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
	for i := range 30 {
		l.Record(auditRecord(1, "/v1/llm", i, at.Add(time.Duration(i/2)*time.Second))) // ties in time, two by two
	}
	l.Flush()
	f := metering.AuditFilter{Since: at}
	page, next, err := l.Page(1, f, 0, 9)
	if err != nil || len(page) != 9 {
		t.Fatalf("first page: %d, %v", len(page), err)
	}
	all, _, _ := l.Page(1, f, 0, 100)
	if err := l.store.client.XDel(context.Background(), l.stream(1), streamID(next)).Err(); err != nil {
		t.Fatal(err)
	}
	f.BeforeTime = page[8].Time
	rest, _, err := l.Page(1, f, next, 9)
	if err != nil || len(rest) != 9 {
		t.Fatalf("below the deleted record: %d, %v", len(rest), err)
	}
	for i, r := range rest {
		if r.ID != all[9+i].ID {
			t.Fatalf("record %d below the deleted one is %d, want %d", i, r.ID, all[9+i].ID)
		}
	}
}
