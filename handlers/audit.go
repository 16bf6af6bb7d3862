package handlers

import (
	"net/http"
	"strconv"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/metering"
)

// AuditLog reads an account's audit records.
type AuditLog interface {
	Query(user uint64, endpoint string, limit int) ([]metering.AuditRecord, error)
}

const (
	defaultAuditLimit = 100
	maxAuditLimit     = 500
)

type auditAnswer struct {
	Records []metering.AuditRecord `json:"records"`
	Count   int                    `json:"count"`
}

// audit answers GET /v1/audit: the caller's own account's records, newest
// first, optionally for one endpoint.
func (a *API) audit(w http.ResponseWriter, r *http.Request, call *Call) {
	limit, ok := a.queryLimit(w, r, defaultAuditLimit, maxAuditLimit)
	if !ok {
		return
	}
	records, err := a.Audit.Query(call.Identity.UserID, r.URL.Query().Get("endpoint"), limit)
	if err != nil {
		a.Errors.Internal(w, err, "The audit log could not be read; try again.")
		return
	}
	if records == nil {
		records = []metering.AuditRecord{}
	}
	WriteJSON(w, http.StatusOK, auditAnswer{Records: records, Count: len(records)})
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
