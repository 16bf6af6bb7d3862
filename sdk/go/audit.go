package kaine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Audit is a page of the account's audit log, newest first (GET
// /v1/audit). The listing goes on while the answer has a NextBefore: send
// it as Before with the same filters, or let AuditAll do it.
func (c *Client) Audit(ctx context.Context, p AuditParams) (*AuditList, error) {
	q := p.ExportParams().query()
	q = limitQuery(q, p.Limit)
	if p.Before > 0 {
		q.Set("before", strconv.FormatInt(p.Before, 10))
	}
	var out AuditList
	if err := c.get(ctx, "/v1/audit", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AuditAll ranges over every record of a listing, newest first, page after
// page: it calls Audit with p, then again with Before set to each
// answer's NextBefore until an answer has none (p.Limit is the size of
// each page; a page may come short, or empty, and the listing still go
// on). Each page is a call of its own, retried as any GET. An error ends
// the range as its last pair, with a zero record:
//
//	for r, err := range client.AuditAll(ctx, kaine.AuditParams{Endpoint: "/v1/llm"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(r.Timestamp, r.CostUSD)
//	}
func (c *Client) AuditAll(ctx context.Context, p AuditParams) iter.Seq2[AuditRecord, error] {
	return func(yield func(AuditRecord, error) bool) {
		for {
			page, err := c.Audit(ctx, p)
			if err != nil {
				yield(AuditRecord{}, err)
				return
			}
			for _, r := range page.Records {
				if !yield(r, nil) {
					return
				}
			}
			if page.NextBefore <= 0 {
				return
			}
			if page.NextBefore == p.Before {
				yield(AuditRecord{}, fmt.Errorf("kaine: GET /v1/audit answered next_before %d, the before it was sent: the listing does not move", p.Before))
				return
			}
			p.Before = page.NextBefore
		}
	}
}

// ExportParams is the listing's filters, as AuditExport and
// AuditExportCSV take them: the export of the records the listing holds.
func (p AuditParams) ExportParams() AuditExportParams {
	return AuditExportParams{Endpoint: p.Endpoint, KeyID: p.KeyID, Status: p.Status, Provider: p.Provider,
		Model: p.Model, Since: p.Since, Until: p.Until}
}

// query is the filters as GET /v1/audit and its export read them; times
// in RFC 3339, in UTC.
func (f AuditExportParams) query() url.Values {
	q := url.Values{}
	set := func(name, v string) {
		if v != "" {
			q.Set(name, v)
		}
	}
	set("endpoint", f.Endpoint)
	if f.KeyID > 0 {
		q.Set("key_id", strconv.FormatInt(f.KeyID, 10))
	}
	if f.Status > 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	set("provider", f.Provider)
	set("model", f.Model)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// exportPath is where the audit log is exported.
const exportPath = "/v1/audit/export"

// AuditExport is GET /v1/audit/export as NDJSON: every record the filters
// match, newest first as a listing's, read one at a time as the gateway
// streams them (nothing is held but the record at hand). Read it with Next
// and Record until Next is false, then look at Err and Summary; Close it
// when done (it closes itself at its end, so Close matters when you stop
// early):
//
//	export, err := client.AuditExport(ctx, kaine.AuditExportParams{Since: monthStart})
//	if err != nil {
//		return err // refused before any record: a *kaine.Error
//	}
//	defer export.Close()
//	for export.Next() {
//		r := export.Record()
//		…
//	}
//	if err := export.Err(); err != nil {
//		return err // code export_incomplete: the export broke off before its summary
//	}
//	fmt.Println(export.Summary().Count, export.Summary().CostUSD)
//
// Or with range: for r := range export.Records() { … }, then Err and
// Summary. An export is read by one goroutine; Close may be called from
// any.
type AuditExport struct {
	body      *streamedAnswer
	reader    *bufio.Reader
	requestID string

	record  AuditRecord
	count   int64
	summary *AuditExportSummary
	err     error
	ended   bool

	closeOnce sync.Once
}

// AuditExport starts an NDJSON export and returns it once the gateway has
// answered. A refusal (a bad filter, a key without the read scope, a
// 429) is returned here as a *Error, retried as any GET (a 5xx too); once
// the export has started nothing is retried or resumed. The client's
// timeout bounds the wait for the answer, then each wait for more of it.
func (c *Client) AuditExport(ctx context.Context, p AuditExportParams) (*AuditExport, error) {
	q := p.query()
	q.Set("format", "ndjson")
	a, err := c.openStreamed(ctx, request{method: http.MethodGet, path: exportPath, query: q, accept: "application/x-ndjson"})
	if err != nil {
		return nil, err
	}
	return &AuditExport{body: a, reader: bufio.NewReaderSize(a, 32<<10), requestID: a.resp.Header.Get("X-Request-Id")}, nil
}

// exportLine is a line of an NDJSON export: a record, or the summary.
type exportLine struct {
	AuditRecord
	Summary *AuditExportSummary `json:"summary"`
}

// Next reads the next record; false once the export has ended, with its
// summary (Summary) or a failure (Err).
func (e *AuditExport) Next() bool {
	e.record = AuditRecord{}
	if e.ended {
		return false
	}
	for {
		line, err := e.reader.ReadBytes('\n')
		if err != nil { // a line without its newline is cut too
			e.end(incompleteExport(e.body, e.requestID, fmt.Sprintf("%d records", e.count), err))
			return false
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var l exportLine
		if err := json.Unmarshal(line, &l); err != nil {
			e.end(fmt.Errorf("kaine: a line of the audit export that is not JSON (request %s): %w", e.requestID, err))
			return false
		}
		if l.Summary == nil {
			e.record = l.AuditRecord
			e.count++
			return true
		}
		if l.Summary.Count != e.count {
			e.end(fmt.Errorf("kaine: the audit export's summary counts %d records, %d came (request %s)", l.Summary.Count, e.count, e.requestID))
			return false
		}
		e.summary = l.Summary
		io.Copy(io.Discard, io.LimitReader(e.reader, 64<<10)) // to its end and trailers, so the connection is reused
		e.end(nil)
		return false
	}
}

// end ends the export with its outcome and lets its connection go.
func (e *AuditExport) end(err error) {
	e.ended = true
	e.err = err
	e.closeOnce.Do(func() { e.body.close(context.Canceled) })
}

// Record is the record Next just read.
func (e *AuditExport) Record() AuditRecord { return e.record }

// Records ranges over the records: for r := range export.Records() {…}.
// Check Err and Summary after the loop.
func (e *AuditExport) Records() iter.Seq[AuditRecord] {
	return func(yield func(AuditRecord) bool) {
		for e.Next() {
			if !yield(e.Record()) {
				return
			}
		}
	}
}

// Summary is the export's last line once Next has returned false without
// an error: the count of its records and their total cost. Nil before the
// end and after a failure.
func (e *AuditExport) Summary() *AuditExportSummary {
	if !e.ended || e.err != nil {
		return nil
	}
	return e.summary
}

// Err is why the export failed: a *Error with Code export_incomplete when
// it ended before its summary line (errors.Is tells why:
// io.ErrUnexpectedEOF for a body that ended, context.DeadlineExceeded for
// no data in time, the context's error, or the connection's), else a line
// that is not JSON or a summary that does not count the records read. Nil
// while it goes and after its summary.
func (e *AuditExport) Err() error { return e.err }

// RequestID is the export's X-Request-Id.
func (e *AuditExport) RequestID() string { return e.requestID }

// Close stops the export and releases its connection; safe to call more
// than once, after the end, and from another goroutine than the one
// reading it. An export closed before its end then ends with an
// export_incomplete error from Next.
func (e *AuditExport) Close() error {
	e.closeOnce.Do(func() { e.body.close(errClosed) })
	return nil
}

// AuditExportCSV is GET /v1/audit/export as CSV, as the gateway writes it:
// a header row, a row a record, and last the line "# count=N cost_usd=X".
// It is an io.ReadCloser of those bytes, unchanged (text cells a
// spreadsheet would take for a formula come with a leading '), to copy
// where it goes:
//
//	export, err := client.AuditExportCSV(ctx, kaine.AuditExportParams{Since: monthStart})
//	if err != nil {
//		return err
//	}
//	defer export.Close()
//	if _, err := io.Copy(file, export); err != nil {
//		return err // code export_incomplete: the export broke off before its summary
//	}
//	fmt.Println(export.Summary().Count)
//
// Read ends with io.EOF only after the summary line; a body that ends
// before it (or a read that fails) ends with a *Error of code
// export_incomplete instead, so a copy cut short never passes for a whole
// one. encoding/csv reads it with Comment = '#'.
type AuditExportCSV struct {
	body      *streamedAnswer
	requestID string
	tail      csvTail
	summary   *AuditExportSummary
	err       error
	closeOnce sync.Once
}

// AuditExportCSV starts a CSV export and returns it once the gateway has
// answered, its body unread; refusals and retries as AuditExport.
func (c *Client) AuditExportCSV(ctx context.Context, p AuditExportParams) (*AuditExportCSV, error) {
	q := p.query()
	q.Set("format", "csv")
	a, err := c.openStreamed(ctx, request{method: http.MethodGet, path: exportPath, query: q, accept: "text/csv"})
	if err != nil {
		return nil, err
	}
	return &AuditExportCSV{body: a, requestID: a.resp.Header.Get("X-Request-Id")}, nil
}

// Read reads the CSV as it comes; each wait is bounded by the client's
// timeout.
func (x *AuditExportCSV) Read(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	n, err := x.body.Read(p)
	x.tail.write(p[:n])
	if err == nil {
		return n, nil
	}
	rows := max(x.tail.lines-1, 0) // less the header
	summary, ok := x.tail.summary()
	switch {
	case err != io.EOF || !ok:
		x.err = incompleteExport(x.body, x.requestID, fmt.Sprintf("%d rows", rows), err)
	case summary.Count != rows-1: // less the summary line
		x.err = fmt.Errorf("kaine: the audit export's summary counts %d records, %d rows came (request %s)", summary.Count, rows-1, x.requestID)
	default:
		x.summary = summary
		x.err = io.EOF
	}
	x.closeOnce.Do(func() { x.body.close(context.Canceled) })
	return n, x.err
}

// Summary is the export's last line once Read has returned io.EOF; nil
// before, and after a failure.
func (x *AuditExportCSV) Summary() *AuditExportSummary { return x.summary }

// RequestID is the export's X-Request-Id.
func (x *AuditExportCSV) RequestID() string { return x.requestID }

// Close stops the export and releases its connection; safe to call more
// than once and from any goroutine.
func (x *AuditExportCSV) Close() error {
	x.closeOnce.Do(func() { x.body.close(errClosed) })
	return nil
}

// csvTail follows a CSV as it is read, to know its last line: a newline
// inside a quoted cell does not end a line, so no cell can pass for the
// summary.
type csvTail struct {
	inQuotes bool
	line     []byte // the start of the line under way
	last     []byte // the start of the last whole line
	lines    int64  // whole lines so far
}

// maxSummaryLine bounds what is kept of a line: a summary is shorter.
const maxSummaryLine = 128

func (t *csvTail) write(p []byte) {
	for _, b := range p {
		switch {
		case b == '"':
			t.inQuotes = !t.inQuotes
		case b == '\n' && !t.inQuotes:
			t.last = append(t.last[:0], t.line...)
			t.line = t.line[:0]
			t.lines++
			continue
		}
		if len(t.line) <= maxSummaryLine {
			t.line = append(t.line, b)
		}
	}
}

// summary reads the last line as "# count=N cost_usd=X", when the CSV
// ended right after it.
func (t *csvTail) summary() (*AuditExportSummary, bool) {
	if len(t.line) > 0 || t.inQuotes || t.lines == 0 || len(t.last) > maxSummaryLine {
		return nil, false
	}
	rest, ok := strings.CutPrefix(strings.TrimSuffix(string(t.last), "\r"), "# count=")
	if !ok {
		return nil, false
	}
	count, cost, ok := strings.Cut(rest, " cost_usd=")
	if !ok {
		return nil, false
	}
	n, err1 := strconv.ParseInt(count, 10, 64)
	usd, err2 := strconv.ParseFloat(cost, 64)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &AuditExportSummary{Count: n, CostUSD: usd}, true
}

// incompleteExport is the error of an export that ended before its
// summary line, after what it held (read), because of err.
func incompleteExport(a *streamedAnswer, requestID, read string, err error) *Error {
	cause := a.readError(err)
	why := "the body ended"
	if !errors.Is(cause, io.ErrUnexpectedEOF) {
		why = strings.TrimPrefix(cause.Error(), "kaine: ")
	}
	return &Error{Status: a.resp.StatusCode, Code: CodeExportIncomplete, RequestID: requestID, cause: cause,
		Message: fmt.Sprintf("the audit export ended after %s, before its summary line (%s): it is incomplete", read, why)}
}
