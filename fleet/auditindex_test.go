package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

// A listing by time follows the records' own timestamps to the nanosecond,
// whatever order they were written in and whatever their zone, with
// bounds that fall within a millisecond.
func TestAuditPageByTimeOrdersByTimestampToTheNanosecond(t *testing.T) {
	eachAuditLog(t, func(t *testing.T, l auditLog) {
		at := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
		offsets := []time.Duration{5, 999_999, 3, 1_000_001, 0, 999_999, 2 * time.Millisecond, 5, -1, 500_000}
		zone := time.FixedZone("east", 2*60*60)
		for i, d := range offsets {
			r := auditRecord(1, "/v1/llm", i, at.Add(d))
			if i%2 == 0 {
				r.Time = r.Time.In(zone)
			}
			l.Record(r)
		}
		l.Flush()
		written, err := l.Query(1, "", 100)
		if err != nil || len(written) != len(offsets) {
			t.Fatalf("%d records, %v", len(written), err)
		}
		for _, f := range []metering.AuditFilter{
			{Since: at.Add(-time.Second)},
			{Since: at.Add(5), Until: at.Add(999_999)},
			{Since: at.Add(4), Until: at.Add(1_000_001)},
			{Until: at.Add(500_000), KeyID: 9},
		} {
			want := slices.DeleteFunc(slices.Clone(written), func(r metering.AuditRecord) bool { return !f.Matches(r) })
			slices.SortFunc(want, func(a, b metering.AuditRecord) int {
				return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.ID, a.ID))
			})
			var got []metering.AuditRecord
			var before uint64
			for pages := 0; pages < 10; pages++ {
				page, next, err := l.Page(1, f, before, 3)
				if err != nil {
					t.Fatalf("%+v: %v", f, err)
				}
				got = append(got, page...)
				if before = next; next == 0 {
					break
				}
			}
			if requests(got) != requests(want) {
				t.Fatalf("%+v: listed %s, want %s", f, requests(got), requests(want))
			}
		}
		// A cursor from a listing by id goes on by time below its record.
		cursor := written[5]
		below, _, err := l.Page(1, metering.AuditFilter{Since: at.Add(-time.Second)}, cursor.ID, 100)
		want := 0
		for _, r := range written {
			if r.Time.Before(cursor.Time) || r.Time.Equal(cursor.Time) && r.ID < cursor.ID {
				want++
			}
		}
		if err != nil || len(below) != want {
			t.Fatalf("below %s: listed %s, want %d records: %v", cursor.RequestID, requests(below), want, err)
		}
	})
}

func requests(records []metering.AuditRecord) string {
	s := ""
	for _, r := range records {
		s += fmt.Sprintf("%s ", r.RequestID)
	}
	return s
}
