package kaine_test

// The audit listing's pages and the export's stream against httptest
// servers: the cursor followed, filters kept, exports cut short.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	kaine "github.com/keinetech/kaine/sdk/go"
)

func auditRecordJSON(id int64) string {
	return fmt.Sprintf(`{"id":%d,"key_id":3,"request_id":"req-%d","endpoint":"/v1/llm","method":"POST","status":200,`+
		`"provider":"openai","model":"gpt-4.1-mini","tokens_in":10,"tokens_out":5,"cost_usd":0.25,"latency_ms":12,`+
		`"timestamp":"2026-12-06T10:00:00Z"}`, id, id)
}

func TestAuditAllFollowsNextBefore(t *testing.T) {
	// Pages of 2: a whole one, a short one, an empty one that still goes
	// on (a filter's scan budget), and the last, without next_before.
	pages := map[string]string{
		"":   `{"records":[` + auditRecordJSON(9) + `,` + auditRecordJSON(8) + `],"count":2,"next_before":8}`,
		"8":  `{"records":[` + auditRecordJSON(5) + `],"count":1,"next_before":4}`,
		"4":  `{"records":[],"count":0,"next_before":2}`,
		"2":  `{"records":[` + auditRecordJSON(1) + `],"count":1}`,
		"99": `{"records":[],"count":0,"next_before":99}`,
	}
	var queries []string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		queries = append(queries, r.URL.RawQuery)
		page, ok := pages[r.URL.Query().Get("before")]
		if !ok {
			writeError(w, http.StatusBadRequest, "invalid_field", "unknown cursor")
			return
		}
		fmt.Fprint(w, page)
	})
	c := f.client(t)
	ctx := context.Background()
	var ids []int64
	for r, err := range c.AuditAll(ctx, kaine.AuditParams{Limit: 2, Status: 200}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if fmt.Sprint(ids) != "[9 8 5 1]" {
		t.Errorf("ids %v, want [9 8 5 1]", ids)
	}
	want := []string{"limit=2&status=200", "before=8&limit=2&status=200", "before=4&limit=2&status=200", "before=2&limit=2&status=200"}
	if strings.Join(queries, " ") != strings.Join(want, " ") {
		t.Errorf("queries %q, want %q", queries, want)
	}

	if got := (kaine.AuditParams{Limit: 2, Before: 8, Status: 200, Model: "m"}).ExportParams(); got != (kaine.AuditExportParams{Status: 200, Model: "m"}) {
		t.Errorf("ExportParams = %+v", got)
	}

	// Leaving the loop stops the paging.
	queries = nil
	for r := range c.AuditAll(ctx, kaine.AuditParams{Limit: 2}) {
		if r.ID == 8 {
			break
		}
	}
	if len(queries) != 1 {
		t.Errorf("%d pages read for 2 records", len(queries))
	}

	// An error ends the range as its last pair; a cursor that does not
	// move is one.
	for _, start := range []int64{7, 99} {
		var got []error
		for _, err := range c.AuditAll(ctx, kaine.AuditParams{Before: start}) {
			got = append(got, err)
		}
		if len(got) != 1 || got[0] == nil {
			t.Errorf("before %d: %v", start, got)
		}
	}
}

// export serves an export's body, flushed line by line, then cut or not.
func export(w http.ResponseWriter, contentType string, lines ...string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Request-Id", "req-export")
	w.Header().Set("Trailer", "X-Kaine-Export-Count")
	w.WriteHeader(http.StatusOK)
	for _, l := range lines {
		io.WriteString(w, l)
		w.(http.Flusher).Flush()
	}
}

func TestAuditExportNDJSON(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		export(w, "application/x-ndjson", auditRecordJSON(3)+"\n", "\n"+auditRecordJSON(2)+"\n",
			`{"summary":{"count":2,"cost_usd":0.5}}`+"\n")
		w.Header().Set("X-Kaine-Export-Count", "2")
	})
	c := f.client(t)
	since := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	x, err := c.AuditExport(context.Background(), kaine.AuditExportParams{Endpoint: "/v1/llm", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Summary() != nil {
		t.Error("a summary before the end")
	}
	var ids []int64
	for r := range x.Records() {
		if r.Provider != "openai" || r.CostUSD != 0.25 || r.Timestamp.IsZero() {
			t.Errorf("record %+v", r)
		}
		ids = append(ids, r.ID)
	}
	if err := x.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[3 2]" {
		t.Errorf("ids %v", ids)
	}
	if s := x.Summary(); s == nil || s.Count != 2 || s.CostUSD != 0.5 {
		t.Errorf("summary %+v", s)
	}
	if x.RequestID() != "req-export" || x.Next() {
		t.Errorf("request id %q, or Next after the end", x.RequestID())
	}
	r, _ := f.lastRequest()
	if r.URL.Path != "/v1/audit/export" || r.URL.RawQuery != "endpoint=%2Fv1%2Fllm&format=ndjson&since=2026-12-01T00%3A00%3A00Z" ||
		r.Header.Get("Accept") != "application/x-ndjson" {
		t.Errorf("sent %s ?%s Accept %s", r.URL.Path, r.URL.RawQuery, r.Header.Get("Accept"))
	}
}

func TestAuditExportCutIsIncomplete(t *testing.T) {
	bodies := [][]string{
		{auditRecordJSON(3) + "\n"},                        // no summary
		{auditRecordJSON(3) + "\n", `{"summary":{"count"`}, // the summary itself cut
		{auditRecordJSON(3)},                               // a record without its newline
		{},                                                 // nothing at all
	}
	for i, body := range bodies {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			export(w, "application/x-ndjson", body...)
		})
		x, err := f.client(t).AuditExport(context.Background(), kaine.AuditExportParams{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for x.Next() {
			n++
		}
		e := asError(t, x.Err())
		if e.Code != kaine.CodeExportIncomplete || e.Status != 200 || e.RequestID != "req-export" ||
			!errors.Is(x.Err(), io.ErrUnexpectedEOF) || x.Summary() != nil {
			t.Errorf("body %d: %+v (%v), summary %v", i, e, x.Err(), x.Summary())
		}
		if got := f.calls.Load(); got != 1 {
			t.Errorf("body %d: %d requests: an export is never resumed", i, got)
		}
		x.Close()
	}

	// A summary that does not count the records read is an error too.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		export(w, "application/x-ndjson", auditRecordJSON(3)+"\n", `{"summary":{"count":2,"cost_usd":0.5}}`+"\n")
	})
	x, _ := f.client(t).AuditExport(context.Background(), kaine.AuditExportParams{})
	for x.Next() {
	}
	if x.Err() == nil || x.Summary() != nil {
		t.Errorf("a summary of 2 after 1 record: err %v", x.Err())
	}
}

func TestAuditExportRetriedOnlyBeforeItsBody(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeError(w, http.StatusInternalServerError, "internal_error", "The audit log could not be read; try again.")
			return
		}
		export(w, "application/x-ndjson", `{"summary":{"count":0,"cost_usd":0}}`+"\n")
	})
	x, err := f.client(t).AuditExport(context.Background(), kaine.AuditExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Next() || x.Err() != nil || x.Summary() == nil || x.Summary().Count != 0 {
		t.Errorf("empty export: err %v, summary %+v", x.Err(), x.Summary())
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("%d requests, want 2: a 500 before the body is retried", got)
	}

	g := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeError(w, http.StatusForbidden, "insufficient_scope", "no read scope")
	})
	_, err = g.client(t).AuditExportCSV(context.Background(), kaine.AuditExportParams{})
	if e := asError(t, err); e.Status != 403 || e.Code != kaine.CodeInsufficientScope || g.calls.Load() != 1 {
		t.Errorf("refused export: %+v after %d requests", e, g.calls.Load())
	}
}

func TestAuditExportWaitTimesOutAndClose(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		export(w, "application/x-ndjson", auditRecordJSON(3)+"\n")
		<-r.Context().Done() // then nothing
	})
	x, err := f.client(t, kaine.WithTimeout(150*time.Millisecond)).AuditExport(context.Background(), kaine.AuditExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the reader's own time is not the export's
	if !x.Next() || x.Record().ID != 3 {
		t.Fatalf("no first record: %v", x.Err())
	}
	start := time.Now()
	if x.Next() {
		t.Fatal("a second record")
	}
	if e := asError(t, x.Err()); e.Code != kaine.CodeExportIncomplete || !errors.Is(x.Err(), context.DeadlineExceeded) {
		t.Errorf("err = %v, want export_incomplete after a deadline", x.Err())
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s", time.Since(start))
	}

	x, err = f.client(t).AuditExport(context.Background(), kaine.AuditExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	x.Next()
	time.AfterFunc(50*time.Millisecond, func() { x.Close() })
	if x.Next() || asError(t, x.Err()).Code != kaine.CodeExportIncomplete {
		t.Errorf("Next after Close: err %v", x.Err())
	}
	x.Close()
}

const csvHeader = "id,timestamp,key_id,request_id,method,endpoint,status,provider,model,tokens_in,tokens_out,cost_usd,latency_ms,error,resource,note\n"

func TestAuditExportCSV(t *testing.T) {
	rows := csvHeader +
		"3,2026-12-06T10:00:00Z,3,req-3,POST,/v1/llm,200,openai,gpt-4.1-mini,10,5,0.25,12,,,\n" +
		// A quoted cell whose lines look like a summary is not one.
		"2,2026-12-06T09:00:00Z,3,req-2,GET,\"/v1/x\n# count=1 cost_usd=0\n\",404,,,0,0,0,1,not_found,,\n"
	cut := false
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if cut {
			end := strings.Index(rows, "cost_usd=0\n") + len("cost_usd=0\n")
			export(w, "text/csv; charset=utf-8", rows[:end])
			return
		}
		export(w, "text/csv; charset=utf-8", rows[:40], rows[40:], "# count=2 cost_usd=0.25\n")
	})
	c := f.client(t)
	x, err := c.AuditExportCSV(context.Background(), kaine.AuditExportParams{Status: 200, Provider: "openai"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(x)
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	if string(data) != rows+"# count=2 cost_usd=0.25\n" {
		t.Errorf("body %q", data)
	}
	if s := x.Summary(); s == nil || s.Count != 2 || s.CostUSD != 0.25 || x.RequestID() != "req-export" {
		t.Errorf("summary %+v", s)
	}
	r, _ := f.lastRequest()
	if r.URL.RawQuery != "format=csv&provider=openai&status=200" || r.Header.Get("Accept") != "text/csv" {
		t.Errorf("sent ?%s Accept %s", r.URL.RawQuery, r.Header.Get("Accept"))
	}
	read := csv.NewReader(strings.NewReader(string(data)))
	read.Comment = '#'
	records, err := read.ReadAll()
	if err != nil || len(records) != 3 || records[2][5] != "/v1/x\n# count=1 cost_usd=0\n" {
		t.Errorf("csv: %q, %v", records, err)
	}

	// Cut inside the quoted cell, after a line that looks like a summary.
	cut = true
	x, err = c.AuditExportCSV(context.Background(), kaine.AuditExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	_, err = io.Copy(io.Discard, x)
	if e := asError(t, err); e.Code != kaine.CodeExportIncomplete || !errors.Is(err, io.ErrUnexpectedEOF) || x.Summary() != nil {
		t.Errorf("a cut CSV: %v, summary %v", err, x.Summary())
	}
	if _, again := x.Read(make([]byte, 8)); again != err {
		t.Errorf("a read after the end: %v", again)
	}
}
