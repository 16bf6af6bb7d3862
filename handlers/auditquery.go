package handlers

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/metering"
)

// maxAuditFilterBytes bounds a text filter: longer matches no record.
const maxAuditFilterBytes = 256

// auditQuery reads the filters of GET /v1/audit and its export from the
// query string, keeping the first error.
type auditQuery struct {
	values url.Values
	err    *apiError
}

func (q *auditQuery) fail(format string, args ...any) {
	if q.err == nil {
		q.err = &apiError{code: CodeInvalidField, message: fmt.Sprintf(format, args...)}
	}
}

// filter reads endpoint, key_id, status, provider, model, since and until.
func (q *auditQuery) filter() metering.AuditFilter {
	f := metering.AuditFilter{
		Endpoint: q.text("endpoint"),
		KeyID:    q.positive("key_id"),
		Provider: q.text("provider"),
		Model:    q.text("model"),
		Since:    q.time("since"),
		Until:    q.time("until"),
	}
	if v := q.values.Get("status"); v != "" {
		status, err := strconv.Atoi(v)
		if err != nil || status < 100 || status > 599 {
			q.fail("status must be an HTTP status, 100 to 599, got %s.", strconv.Quote(clip.Runes(v, 32)))
		}
		f.Status = status
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		q.fail("until must be after since.")
	}
	return f
}

// before reads the cursor: the next_before of the page before.
func (q *auditQuery) before() uint64 { return q.positive("before") }

func (q *auditQuery) text(name string) string {
	v := q.values.Get(name)
	if len(v) > maxAuditFilterBytes || !utf8.ValidString(v) {
		q.fail("%s must be valid UTF-8 of at most %d bytes.", name, maxAuditFilterBytes)
		return ""
	}
	return v
}

func (q *auditQuery) positive(name string) uint64 {
	v := q.values.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		q.fail("%s must be a positive whole number, got %s.", name, strconv.Quote(clip.Runes(v, 32)))
	}
	return n
}

func (q *auditQuery) time(name string) time.Time {
	v := q.values.Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	switch {
	case err != nil:
		q.fail("%s must be a time in RFC 3339, e.g. 2026-11-01T00:00:00Z, got %s.", name, strconv.Quote(clip.Runes(v, 40)))
	case t.Before(earliestAuditTime) || !t.Before(latestAuditTime):
		// The log keys records by nanoseconds since 1970 in 64 bits.
		q.fail("%s must be between 1970 and 2261, got %s.", name, strconv.Quote(clip.Runes(v, 40)))
	}
	return t
}

// The times a record's timestamp can hold.
var (
	earliestAuditTime = time.Unix(0, 0)
	latestAuditTime   = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)
