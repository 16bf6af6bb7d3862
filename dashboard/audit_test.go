package dashboard

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/metering"
)

var requestIDs = regexp.MustCompile(`<code>(req_\d+)</code>`)

func TestAuditPagesFiftyAtATimeKeepingTheFilter(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// 130 records of alice's, every other one a chat call, and bob's.
	for id := uint64(1); id <= 130; id++ {
		rec := metering.AuditRecord{ID: id, UserID: h.alice.ID, RequestID: fmt.Sprintf("req_%d", id), Endpoint: "/v1/landing-pages",
			Method: "POST", Status: 200, Cost: 1500, LatencyMS: 120, KeyID: 4, Time: testNow.Add(time.Duration(id) * time.Second)}
		if id%2 == 0 {
			rec.Endpoint, rec.Model = "/v1/llm/chat", "claude-sonnet-5"
		}
		if id%10 == 0 {
			rec.UserID, rec.RequestID = h.bob.ID, fmt.Sprintf("req_bob_%d", id)
		}
		h.account.audit = append(h.account.audit, rec)
	}
	b := h.signedIn(h.alice)

	// 52 chat calls are alice's (every even id but the tens'): 50, then 2.
	first := b.get("audit?endpoint=/v1/llm/chat")
	first.want(http.StatusOK, `value="/v1/llm/chat"`, "<td>claude-sonnet-5</td>", `<td class="num">$0.0015</td>`, "120 ms")
	ids := requestIDs.FindAllStringSubmatch(first.body, -1)
	if len(ids) != auditPageSize || ids[0][1] != "req_128" || ids[49][1] != "req_6" {
		t.Fatalf("the first page: %d records, from %s to %s", len(ids), ids[0][1], ids[len(ids)-1][1])
	}
	older := `href="/dashboard/audit?before=6&amp;endpoint=%2Fv1%2Fllm%2Fchat"`
	first.want(http.StatusOK, older)

	second := b.get("audit?before=6&endpoint=%2Fv1%2Fllm%2Fchat")
	ids = requestIDs.FindAllStringSubmatch(second.body, -1)
	if len(ids) != 2 || ids[0][1] != "req_4" || ids[1][1] != "req_2" {
		t.Fatalf("the last page: %v", ids)
	}
	if strings.Contains(second.body, "Older records") {
		t.Fatal("the last page links to older records")
	}

	all := b.get("audit")
	ids = requestIDs.FindAllStringSubmatch(all.body, -1)
	if len(ids) != auditPageSize || ids[0][1] != "req_129" {
		t.Fatalf("unfiltered: %d from %s", len(ids), ids[0][1])
	}
	all.want(http.StatusOK, `href="/dashboard/audit?before=`)
	if strings.Contains(all.body, "req_bob") || strings.Contains(all.body, "endpoint=") {
		t.Fatal("another account's record, or a filter nobody asked for")
	}
	b.get("audit?before=x").want(http.StatusBadRequest)
}

func TestAuditExportDownloadsWhatThePageLists(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for id := uint64(1); id <= 1500; id++ {
		rec := metering.AuditRecord{ID: id, UserID: h.alice.ID, RequestID: fmt.Sprintf("req_%d", id), Endpoint: "/v1/llm",
			Method: "POST", Status: 200, Cost: 10, Time: testNow.Add(time.Duration(id) * time.Second)}
		if id%3 == 0 {
			rec.UserID = h.bob.ID
		}
		h.account.audit = append(h.account.audit, rec)
	}
	b := h.signedIn(h.alice)
	b.get("audit?endpoint=/v1/llm").want(http.StatusOK, `href="/dashboard/audit/export?endpoint=%2Fv1%2Fllm&amp;format=csv"`)
	csv := b.get("audit/export?format=csv&endpoint=/v1/llm")
	csv.want(http.StatusOK, "id,timestamp,key_id,request_id", "# count=1000 cost_usd=0.01")
	if rows := strings.Count(csv.body, "\n"); rows != 1002 || strings.Contains(csv.body, "req_3,") {
		t.Fatalf("%d lines, or another account's record", rows)
	}
	b.get("audit/export?format=xml").want(http.StatusBadRequest)
}
