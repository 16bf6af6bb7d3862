package fleet

import (
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
