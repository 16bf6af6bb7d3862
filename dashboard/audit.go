package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/keinetech/kaine/metering"
)

// auditPageSize is how many records a page shows; one more is read to
// know whether there are older ones.
const auditPageSize = 50

type auditData struct {
	// Records are newest first.
	Records []metering.AuditRecord
	// Endpoint filters the records, when not empty.
	Endpoint string
	// Older is the next page's address; empty on the last page.
	Older string
	// Exports are the addresses of the listing's export, by format.
	Exports map[string]string
}

// auditPage lists the account's audit records, GET /v1/audit's way.
func (d *Dashboard) auditPage(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	endpoint := strings.TrimSpace(q.Get("endpoint"))
	var before uint64
	if s := q.Get("before"); s != "" {
		var err error
		if before, err = strconv.ParseUint(s, 10, 64); err != nil {
			d.errorPage(w, r, http.StatusBadRequest, "Bad page", "The page asked for does not exist; start from the newest records.")
			return
		}
	}
	records, err := d.account.AuditPage(v.user.ID, endpoint, before, auditPageSize+1)
	if err != nil {
		d.fail(w, r, fmt.Errorf("reading the audit log of user %d: %w", v.user.ID, err))
		return
	}
	data := auditData{Records: records, Endpoint: endpoint, Exports: map[string]string{}}
	for _, format := range []string{"csv", "ndjson"} {
		export := url.Values{"format": {format}}
		if endpoint != "" {
			export.Set("endpoint", endpoint)
		}
		data.Exports[format] = d.prefix + "audit/export?" + export.Encode()
	}
	if len(records) > auditPageSize {
		data.Records = records[:auditPageSize]
		older := url.Values{"before": {strconv.FormatUint(data.Records[auditPageSize-1].ID, 10)}}
		if endpoint != "" {
			older.Set("endpoint", endpoint)
		}
		data.Older = d.prefix + "audit?" + older.Encode()
	}
	d.page(w, r, v, http.StatusOK, "audit", "Audit log", data)
}

// auditExport downloads the records the audit page lists, all of them, as
// GET /v1/audit/export does.
func (d *Dashboard) auditExport(w http.ResponseWriter, r *http.Request, v *visit) {
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "ndjson" {
		d.errorPage(w, r, http.StatusBadRequest, "No such export", "An export is CSV or NDJSON; use the links of the audit page.")
		return
	}
	started, err := d.account.AuditExport(w, v.user.ID, strings.TrimSpace(r.URL.Query().Get("endpoint")), format)
	switch {
	case err != nil && !started:
		d.fail(w, r, fmt.Errorf("exporting the audit log of user %d: %w", v.user.ID, err))
	case err != nil: // the export ends without its summary line: the download says it is cut
		d.onError(r, err)
	}
}
