package metering

import (
	"testing"
	"time"

	"github.com/keinetech/kaine/money"
)

// Paging with Page's before returns every record once, newest first, with
// or without an endpoint filter, never another account's.
func TestAuditPagesContinueBelowTheLastID(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	for i := range 25 {
		ep := "/v1/me"
		if i%3 == 0 {
			ep = "/v1/llm"
		}
		l.Record(rec(1, ep, t0.Add(time.Duration(i)*time.Second)))
		l.Record(rec(2, ep, t0))
	}
	l.Flush()
	for _, c := range []struct {
		endpoint string
		want     int
	}{{"", 25}, {"/v1/llm", 9}} {
		var seen []uint64
		before := uint64(0)
		for {
			page, next, err := l.Page(1, AuditFilter{Endpoint: c.endpoint}, before, 4)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				if r.UserID != 1 || c.endpoint != "" && r.Endpoint != c.endpoint || len(seen) > 0 && r.ID >= seen[len(seen)-1] {
					t.Fatalf("%q: record %+v after %v", c.endpoint, r, seen)
				}
				seen = append(seen, r.ID)
			}
			if next == 0 {
				break
			}
			before = next
		}
		if len(seen) != c.want {
			t.Fatalf("%q: %d records paged, want %d", c.endpoint, len(seen), c.want)
		}
	}
}

func TestSpendSumsTheWindowByEndpointAndModel(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	add := func(ep, model string, cost money.MicroUSD, at time.Time) {
		r := rec(1, ep, at)
		r.Model, r.Cost = model, cost
		l.Record(r)
	}
	since := t0.Add(time.Hour)
	add("/v1/llm", "gpt-5.4", 1000, t0)                        // before the window
	add("/v1/llm", "gpt-5.4", 700, since.Add(-30*time.Second)) // just before, written later
	add("/v1/llm", "gpt-5.4", 250, since.Add(time.Minute))     // in
	add("/openai/v1/chat/completions", "gpt-5.4", 125, since.Add(2*time.Minute))
	add("/v1/llm", "claude-sonnet-5-5", 5, since.Add(3*time.Minute))
	add("/v1/me", "", 0, since.Add(4*time.Minute))
	l.Flush()
	b, err := l.Spend(1, since)
	if err != nil {
		t.Fatal(err)
	}
	if b.Calls != 4 || b.ByEndpoint["/v1/llm"] != 255 || b.ByEndpoint["/openai/v1/chat/completions"] != 125 ||
		b.ByModel["gpt-5.4"] != 375 || b.ByModel["claude-sonnet-5-5"] != 5 || b.ByModel[""] != 0 {
		t.Fatalf("breakdown %+v", b)
	}
}

func TestDailyListsTheWindowOldestFirst(t *testing.T) {
	l, clock, _ := newTestLedger(t)
	settle := func(cost money.MicroUSD) {
		r, err := l.Reserve(1, 1_000_000_000, cost)
		if err != nil {
			t.Fatal(err)
		}
		l.Settle(r, cost)
	}
	settle(100)
	clock.advance(24 * time.Hour)
	settle(20)
	settle(3)
	days, err := l.Daily(1)
	if err != nil || len(days) != WindowDays {
		t.Fatalf("%d days, %v", len(days), err)
	}
	today := days[len(days)-1]
	if today.Spent != 23 || days[len(days)-2].Spent != 100 || !today.Day.Equal(time.Unix(clock.now().Unix()/86400*86400, 0).UTC()) {
		t.Fatalf("last two days %+v", days[len(days)-2:])
	}
	var total money.MicroUSD
	for _, d := range days {
		total += d.Spent
	}
	if used, _ := l.Used(1); total != used {
		t.Fatalf("days sum to %d, Used says %d", total, used)
	}
}

// A long window is read in several transactions, every record once.
func TestSpendReadsLongWindowsInChunks(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	n := 2*spendChunk + 500
	for i := range n {
		r := rec(1, "/v1/llm", t0.Add(time.Duration(i)*time.Millisecond))
		r.Cost = 1
		l.Record(r)
	}
	l.Flush()
	b, err := l.Spend(1, t0)
	if err != nil || b.Calls != n || b.ByEndpoint["/v1/llm"] != money.MicroUSD(n) {
		t.Fatalf("%+v %v, want %d calls", b, err, n)
	}
}
