package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/metering"
)

// AuditLog reads an account's audit records.
type AuditLog interface {
	Query(user uint64, endpoint string, limit int) ([]metering.AuditRecord, error)
	// Page lists the records matching f newest first below the record id
	// before (0: from the newest), and returns the next page's before, 0
	// at the end (see metering.AuditLog.Page).
	Page(user uint64, f metering.AuditFilter, before uint64, limit int) ([]metering.AuditRecord, uint64, error)
	// Verify checks the account's hash chain from its first record at or
	// after since (zero: its oldest) to its newest.
	Verify(user uint64, since time.Time) (metering.AuditVerification, error)
}

const (
	defaultAuditLimit = 100
	maxAuditLimit     = 500
)

type auditAnswer struct {
	Records []metering.AuditRecord `json:"records"`
	Count   int                    `json:"count"`
	// NextBefore is the before of the next page; absent at the end.
	NextBefore uint64 `json:"next_before,omitempty"`
}

// audit answers GET /v1/audit: the caller's own account's records, newest
// first, a page at a time, narrowed by the query's filters.
func (a *API) audit(w http.ResponseWriter, r *http.Request, call *Call) {
	limit, ok := a.queryLimit(w, r, defaultAuditLimit, maxAuditLimit)
	if !ok {
		return
	}
	q := auditQuery{values: r.URL.Query()}
	f, before := q.filter(), q.before()
	if q.err != nil {
		a.Errors.Send(w, q.err)
		return
	}
	records, next, err := a.Audit.Page(call.Identity.UserID, f, before, limit)
	if err != nil {
		a.auditReadError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, auditAnswer{Records: records, Count: len(records), NextBefore: next})
}

// auditVerify answers GET /v1/audit/verify: the check of the account's
// hash chain from since (absent: its oldest record) to its newest. A
// broken chain is a 200 whose ok is false, broken_at naming the first
// record that does not fit.
func (a *API) auditVerify(w http.ResponseWriter, r *http.Request, call *Call) {
	q := auditQuery{values: r.URL.Query()}
	since := q.time("since")
	if q.err != nil {
		a.Errors.Send(w, q.err)
		return
	}
	v, err := a.Audit.Verify(call.Identity.UserID, since)
	if err != nil {
		a.auditReadError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}

// auditReadError answers a listing the log could not serve.
func (a *API) auditReadError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, metering.ErrUnknownCursor):
		a.Errors.WriteParam(w, CodeInvalidField, "before names a record this log no longer holds (older ones are trimmed); list again without before.", "before")
	case errors.Is(err, metering.ErrStoreUnavailable):
		a.storeUnavailable(w)
	default:
		a.Errors.Internal(w, err, "The audit log could not be read; try again.")
	}
}

// queryLimit reads the limit query parameter: def when absent, clamped to
// max; anything but a positive whole number is a 400 invalid_field.
func (a *API) queryLimit(w http.ResponseWriter, r *http.Request, def, max int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		a.Errors.Write(w, CodeInvalidField, "limit must be a positive whole number (at most "+strconv.Itoa(max)+"), got "+strconv.Quote(clip.Runes(v, 32))+".")
		return 0, false
	}
	return min(n, max), true
}
