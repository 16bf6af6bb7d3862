package handlers

import (
	"net/http"
	"strconv"

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
	q := r.URL.Query()
	limit := defaultAuditLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			a.Errors.Write(w, CodeInvalidField, "limit must be a positive whole number (at most 500), got "+strconv.Quote(v)+".")
			return
		}
		limit = min(n, maxAuditLimit)
	}
	records, err := a.Audit.Query(call.Identity.UserID, q.Get("endpoint"), limit)
	if err != nil {
		a.Errors.Write(w, CodeInternal, "The audit log could not be read; try again.")
		return
	}
	if records == nil {
		records = []metering.AuditRecord{}
	}
	WriteJSON(w, http.StatusOK, auditAnswer{Records: records, Count: len(records)})
}
