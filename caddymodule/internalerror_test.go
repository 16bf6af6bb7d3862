package caddymodule

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/leads"
)

// brokenLeads is a lead store whose database fails, as a full disk or a
// corrupted file would make it.
type brokenLeads struct{ handlers.LeadStore }

var errDiskGone = errors.New("write /var/lib/kaine/kaine.db: input/output error")

func (brokenLeads) List(uint64, leads.Status, int) ([]leads.Lead, error) { return nil, errDiskGone }

// A fault of Kaine's own answers internal_error without its details, and
// is logged once with the request's ID and counted.
func TestAnInternalErrorIsLoggedWithItsRequestIDAndCounted(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "kaine.log")
	g := startGatewayWithGlobal(t, fmt.Sprintf("log {\n\t\toutput file %s\n\t\tformat json\n\t}", logPath), "")
	k := g.userWithKey("ada", "read")
	app := activeApp(t)
	app.api.Leads = brokenLeads{app.api.Leads}
	before := metricValue(t, g, "kaine_internal_errors_total")

	status, header, body := g.doRaw("GET", "/v1/leads", k.Key, "")
	id := header.Get("X-Request-Id")
	if status != 500 || !strings.Contains(string(body), `"internal_error"`) || strings.Contains(string(body), "input/output") || id == "" {
		t.Fatalf("%d %s (request %q): want internal_error, without the fault's details", status, body, id)
	}
	if after := metricValue(t, g, "kaine_internal_errors_total"); before == after {
		t.Errorf("kaine_internal_errors_total stayed %s", after)
	}
	log, _ := os.ReadFile(logPath)
	var lines []string
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, `"msg":"internal error"`) {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `"request_id":"`+id+`"`) || !strings.Contains(lines[0], "input/output error") {
		t.Fatalf("the log's internal errors: %q; want one, with request %s and its cause", lines, id)
	}
}
