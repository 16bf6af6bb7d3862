package caddymodule

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	goruntime "runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

type auditPage struct {
	auditAnswer
	NextBefore uint64 `json:"next_before"`
}

// auditPages lists every record a query matches, page by page.
func (g *gateway) auditPages(key string, query url.Values) []uint64 {
	g.t.Helper()
	var ids []uint64
	for pages := 0; ; pages++ {
		status, _, body := g.do("GET", g.base+"/v1/audit?"+query.Encode(), key, nil)
		var p auditPage
		if status != 200 || json.Unmarshal(body, &p) != nil || pages > 100 {
			g.t.Fatalf("audit?%s: %d %s", query.Encode(), status, body)
		}
		for _, r := range p.Records {
			ids = append(ids, r.ID)
		}
		if p.NextBefore == 0 {
			return ids
		}
		query.Set("before", fmt.Sprint(p.NextBefore))
	}
}

func TestAuditPagesByTimeAndFiltersOverHTTP(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("ledger", "read")
	log := activeApp(t).runtime.audit
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for i := range 300 {
		log.Record(metering.AuditRecord{UserID: k.UserID, KeyID: uint64(1 + i%2), Endpoint: "/v1/llm", Method: "POST",
			Status: []int{200, 500, 429}[i%3], Provider: "openai", Model: "gpt-5.4", Time: start.Add(time.Duration(i) * time.Second)})
	}
	log.Flush()
	since, until := start.Add(100*time.Second).Format(time.RFC3339), start.Add(200*time.Second).Format(time.RFC3339)
	for _, c := range []struct {
		query url.Values
		want  int
	}{
		{url.Values{"limit": {"7"}}, 300},
		{url.Values{"limit": {"7"}, "status": {"500"}}, 100},
		{url.Values{"limit": {"50"}, "key_id": {"2"}, "since": {since}, "until": {until}}, 50},
		{url.Values{"since": {since}, "until": {until}, "status": {"429"}, "model": {"gpt-5.4"}, "provider": {"openai"}}, 33},
		{url.Values{"model": {"another"}}, 0},
	} {
		ids := g.auditPages(k.Key, c.query)
		seen := map[uint64]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%v: record %d listed twice", c.query, id)
			}
			seen[id] = true
		}
		if len(ids) != c.want {
			t.Errorf("%v: %d records, want %d", c.query, len(ids), c.want)
		}
	}
	for _, bad := range []string{"status=abc", "status=99", "status=600", "key_id=0", "key_id=-1", "before=x", "before=0",
		"since=yesterday", "until=2026-13-01T00:00:00Z", "since=1969-12-31T00:00:00Z", "until=2300-01-01T00:00:00Z", "since=" + until + "&until=" + since, "provider=" + strings.Repeat("p", 300)} {
		status, h, body := g.do("GET", g.base+"/v1/audit?"+bad, k.Key, nil)
		wantError(t, status, h, body, 400, "invalid_field")
	}
	// A listing by time goes on from a record's timestamp: one the log
	// does not hold is refused, not guessed.
	status, h, body := g.do("GET", g.base+"/v1/audit?since="+url.QueryEscape(since)+"&before=999999", k.Key, nil)
	wantError(t, status, h, body, 400, "invalid_field")
}

// An export of 100,000 records streams them page by page: the gateway's
// heap does not grow with the range, and the total it ends with is the
// account's usage, as is the total of each of the usage's breakdowns.
func TestAuditExportStreamsEveryRecordWithItsTotal(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("exporter", "read", "write")
	u.openai.Default(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 1800, OutputTokens: 1400}})
	const calls = 20
	for range calls {
		if status, _, _, raw := g.llm(k.Key, map[string]any{"prompt": "Hi", "provider": "openai", "max_tokens": 1500}); status != 200 {
			t.Fatalf("%d %s", status, raw)
		}
	}
	g.waitForRecords(k.UserID, calls)
	log := activeApp(t).runtime.audit
	const filler = 100_000 // records of calls that cost nothing
	at := time.Now().UTC().Add(-time.Hour)
	for i := range filler {
		log.Record(metering.AuditRecord{UserID: k.UserID, KeyID: k.KeyID, RequestID: fmt.Sprintf("=cmd|%d", i), Endpoint: "/v1/me",
			Method: "GET", Status: 200, Time: at.Add(time.Duration(i) * time.Millisecond)})
	}
	log.Flush()
	var usage struct {
		Status struct {
			UsedUSD float64 `json:"used_usd"`
		} `json:"status"`
	}
	if status, _, body := g.do("GET", g.base+"/v1/usage", k.Key, nil); status != 200 || json.Unmarshal(body, &usage) != nil || usage.Status.UsedUSD == 0 {
		t.Fatalf("usage: %d %s", status, body)
	}

	peak := watchHeap(t)
	resp := g.export(k.Key, "format=ndjson")
	lines, last := 0, ""
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		lines++
		last = scanner.Text()
	}
	resp.Body.Close()
	grown := peak()
	if lines != calls+filler+1 || scanner.Err() != nil {
		t.Fatalf("%d lines (%v), want %d records and the summary", lines, scanner.Err(), calls+filler)
	}
	var summary struct {
		Summary struct {
			Count   int     `json:"count"`
			CostUSD float64 `json:"cost_usd"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(last), &summary); err != nil || summary.Summary.Count != calls+filler || summary.Summary.CostUSD != usage.Status.UsedUSD {
		t.Fatalf("summary %s (%v); want %d records costing the usage's %v", last, err, calls+filler, usage.Status.UsedUSD)
	}
	if resp.Trailer.Get("X-Kaine-Export-Count") != fmt.Sprint(calls+filler) || resp.Trailer.Get("X-Kaine-Export-Cost-USD") == "" {
		t.Fatalf("trailers %v", resp.Trailer)
	}
	t.Logf("the heap grew by at most %.1f MB while %d records were exported", float64(grown)/(1<<20), calls+filler)
	if grown > 20<<20 {
		t.Fatalf("the heap grew by %d MB during the export, want under 20", grown>>20)
	}

	// The same as CSV, only the priced calls, a formula kept a text.
	resp = g.export(k.Key, "format=csv&endpoint=/v1/llm")
	reader := csv.NewReader(resp.Body)
	reader.Comment, reader.FieldsPerRecord = '#', -1
	rows, err := reader.ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != calls+1 || rows[0][0] != "id" || rows[1][5] != "/v1/llm" {
		t.Fatalf("csv: %d rows (%v): %v", len(rows), err, rows[:min(2, len(rows))])
	}
	resp = g.export(k.Key, "format=csv&endpoint=/v1/me")
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if !strings.Contains(string(body), "'=cmd|") {
		t.Fatalf("a request id starting with = is not kept a text: %.300s", body)
	}

	status, h, body := g.do("GET", g.base+"/v1/audit/export?format=xml", k.Key, nil)
	wantError(t, status, h, body, 400, "invalid_field")

	// The usage's breakdowns sum to the same total, whichever the field.
	for _, by := range []string{"day", "endpoint", "model", "key"} {
		var b struct {
			Breakdown struct {
				Groups []struct {
					Key     string  `json:"key"`
					Calls   int     `json:"calls"`
					CostUSD float64 `json:"cost_usd"`
				} `json:"groups"`
				Total struct {
					Calls   int     `json:"calls"`
					CostUSD float64 `json:"cost_usd"`
				} `json:"total"`
			} `json:"breakdown"`
		}
		status, _, body := g.do("GET", g.base+"/v1/usage?group_by="+by, k.Key, nil)
		if status != 200 || json.Unmarshal(body, &b) != nil || b.Breakdown.Total.CostUSD != usage.Status.UsedUSD || b.Breakdown.Total.Calls < calls+filler {
			t.Fatalf("group_by=%s: %d %.300s; want a total of %v over at least %d calls", by, status, body, usage.Status.UsedUSD, calls+filler)
		}
		sum := 0.0
		for _, g := range b.Breakdown.Groups {
			sum += g.CostUSD
			if by == "endpoint" && g.Key == "/v1/llm" && (g.Calls != calls || g.CostUSD != usage.Status.UsedUSD) {
				t.Fatalf("group_by=endpoint: /v1/llm %+v, want %d calls costing %v", g, calls, usage.Status.UsedUSD)
			}
		}
		if fmt.Sprintf("%.6f", sum) != fmt.Sprintf("%.6f", usage.Status.UsedUSD) {
			t.Fatalf("group_by=%s: the groups sum to %v, want %v", by, sum, usage.Status.UsedUSD)
		}
	}
	status, h, body = g.do("GET", g.base+"/v1/usage?group_by=week", k.Key, nil)
	wantError(t, status, h, body, 400, "invalid_field")
}

func (g *gateway) export(key, query string) *http.Response {
	g.t.Helper()
	req, _ := http.NewRequest("GET", g.base+"/v1/audit/export?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		g.t.Fatalf("export?%s: %v %v", query, resp, err)
	}
	return resp
}

// watchHeap samples the live heap (what the last GC found reachable)
// until the returned func is called, which reports how far it rose over
// where it started.
func watchHeap(t *testing.T) (peak func() uint64) {
	t.Helper()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 {
		metrics.Read(live)
		return live[0].Value.Uint64()
	}
	goruntime.GC()
	base := read()
	var highest atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if now := read(); now > base && now-base > highest.Load() {
					highest.Store(now - base)
				}
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return highest.Load()
	}
}
