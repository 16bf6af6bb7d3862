package handlers

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// auditExportPage is how many records an export reads at a time: its
// memory is one page's, whatever the range.
const auditExportPage = 1000

// Trailers of an export that reached its end.
const (
	exportCountTrailer = "X-Kaine-Export-Count"
	exportCostTrailer  = "X-Kaine-Export-Cost-USD"
)

// auditExport answers GET /v1/audit/export: every record of the account
// matching the filters, as CSV or NDJSON (see ExportAudit).
func (a *API) auditExport(w http.ResponseWriter, r *http.Request, call *Call) {
	q := auditQuery{values: r.URL.Query()}
	f := q.filter()
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "ndjson"
	}
	if format != "csv" && format != "ndjson" {
		q.fail("format must be csv or ndjson.")
	}
	if q.err != nil {
		a.Errors.Send(w, q.err)
		return
	}
	started, err := ExportAudit(w, a.Audit, call.Identity.UserID, f, format)
	switch {
	case err != nil && !started:
		a.auditReadError(w, err)
	case err != nil:
		a.Errors.Fault(w.Header().Get("X-Request-Id"), err)
	}
}

// ExportAudit streams an account's records matching f, newest first as
// GET /v1/audit lists them, as format (csv or ndjson), a page at a time:
// its memory is one page's whatever the range. The last line gives the
// count and the cost total, as do the trailers. The first page is read
// before anything is written, so a log that cannot be read returns its
// error with nothing sent (started false); an export that fails once
// started ends without its summary, and returns the error.
func ExportAudit(w http.ResponseWriter, log AuditLog, user uint64, f metering.AuditFilter, format string) (started bool, err error) {
	records, next, err := log.Page(user, f, 0, auditExportPage)
	if err != nil {
		return false, err
	}
	h := w.Header()
	h.Set("Content-Type", map[string]string{"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}[format])
	h.Set("Content-Disposition", `attachment; filename="kaine-audit.`+format+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", exportCountTrailer+", "+exportCostTrailer)
	w.WriteHeader(http.StatusOK)
	out := newExportWriter(format, w)
	rc := http.NewResponseController(w)
	count, total := 0, money.MicroUSD(0)
	for {
		for _, rec := range records {
			out.record(rec)
			count, total = count+1, total+rec.Cost
		}
		if err := out.flush(); err != nil {
			return true, nil // the client left: nothing of Kaine's failed
		}
		rc.Flush()
		if next == 0 {
			break
		}
		f.BeforeTime = cursorTime(records, next)
		if records, next, err = log.Page(user, f, next, auditExportPage); err != nil {
			return true, fmt.Errorf("exporting the audit log of account %d after %d records: %w", user, count, err)
		}
	}
	out.summary(count, total)
	out.flush()
	h.Set(exportCountTrailer, strconv.Itoa(count))
	h.Set(exportCostTrailer, total.String())
	return true, nil
}

// cursorTime is the timestamp of the record a page's next names, when it
// is the page's last (not a record a filter's scan passed over): with it a
// listing by time goes on though retention trims that record meanwhile.
func cursorTime(records []metering.AuditRecord, next uint64) time.Time {
	if n := len(records); n > 0 && records[n-1].ID == next {
		return records[n-1].Time
	}
	return time.Time{}
}

// exportWriter writes an export's lines in one format.
type exportWriter interface {
	record(metering.AuditRecord)
	summary(count int, total money.MicroUSD)
	flush() error
}

func newExportWriter(format string, w io.Writer) exportWriter {
	if format == "csv" {
		c := &csvExport{w: csv.NewWriter(w)}
		c.w.Write(auditCSVHeader)
		return c
	}
	return &ndjsonExport{w: w}
}

// ndjsonExport writes a record a line, as GET /v1/audit shows it, and
// last {"summary":{"count":N,"cost_usd":X}}.
type ndjsonExport struct {
	w   io.Writer
	buf []byte
	err error
}

func (e *ndjsonExport) record(r metering.AuditRecord) {
	line, err := json.Marshal(r)
	if err != nil { // plain fields: cannot fail
		e.err = err
		return
	}
	e.buf = append(append(e.buf, line...), '\n')
}

func (e *ndjsonExport) summary(count int, total money.MicroUSD) {
	e.buf = append(e.buf, `{"summary":{"count":`...)
	e.buf = strconv.AppendInt(e.buf, int64(count), 10)
	e.buf = append(e.buf, `,"cost_usd":`...)
	e.buf = append(total.AppendUSD(e.buf), "}}\n"...)
}

func (e *ndjsonExport) flush() error {
	if e.err == nil {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
	return e.err
}

var auditCSVHeader = []string{"id", "timestamp", "key_id", "request_id", "method", "endpoint", "status", "provider", "model",
	"tokens_in", "tokens_out", "cost_usd", "latency_ms", "error", "resource", "note"}

// csvExport writes a header row, a row a record, and last a comment line
// "# count=N cost_usd=X" (CSV readers skip it as a comment, given '#').
type csvExport struct {
	w *csv.Writer
}

func (e *csvExport) record(r metering.AuditRecord) {
	e.w.Write([]string{strconv.FormatUint(r.ID, 10), r.Time.UTC().Format(time.RFC3339Nano), strconv.FormatUint(r.KeyID, 10),
		textCell(r.RequestID), textCell(r.Method), textCell(r.Endpoint), strconv.Itoa(r.Status), textCell(r.Provider), textCell(r.Model),
		strconv.FormatInt(r.TokensIn, 10), strconv.FormatInt(r.TokensOut, 10), r.Cost.String(),
		strconv.FormatInt(r.LatencyMS, 10), textCell(r.Error), textCell(r.Resource), textCell(r.Note)})
}

// textCell keeps a text a spreadsheet would take for a formula (a caller
// chooses its request ID) from being one: it gets a leading quote, as
// OWASP advises for CSV.
func textCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (e *csvExport) summary(count int, total money.MicroUSD) {
	e.w.Write([]string{"# count=" + strconv.Itoa(count) + " cost_usd=" + total.String()})
}

func (e *csvExport) flush() error {
	e.w.Flush()
	return e.w.Error()
}
