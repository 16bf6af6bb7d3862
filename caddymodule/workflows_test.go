package caddymodule

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
	"github.com/keinetech/kaine/workflows/faken8n"
)

type workflowsJSON struct {
	Workflows []struct {
		ID         string     `json:"id"`
		Source     string     `json:"source"`
		Name       string     `json:"name"`
		Status     string     `json:"status"`
		StartedAt  *time.Time `json:"started_at"`
		FinishedAt *time.Time `json:"finished_at"`
	} `json:"workflows"`
	Count   int    `json:"count"`
	Warning string `json:"warning"`
}

// The n8n instance's runs are merged, newest first, with Kaine's own for
// the accounts it belongs to, and its being down costs only its runs.
func TestWorkflowsMergeN8NAndKaineRuns(t *testing.T) {
	n8n := faken8n.New("n8n-test-key")
	defer n8n.Close()
	early := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	late := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond) // after anything Kaine does in this test
	stopped := late.Add(2 * time.Second)
	n8n.SetWorkflow("7", "Follow up new leads")
	n8n.SetExecutions(
		faken8n.Execution{ID: "1001", WorkflowID: "7", Status: "success", Finished: true, Mode: "webhook", StartedAt: &late, StoppedAt: &stopped},
		faken8n.Execution{ID: "1000", WorkflowID: "7", Status: "error", Finished: true, Mode: "webhook", StartedAt: &early, StoppedAt: &early},
	)
	u := newUpstreams(t)
	g := startGateway(t, u.providers(fmt.Sprintf(`files_dir %s
		n8n {
			base_url %s
			api_key n8n-test-key
			accounts angel
		}`, t.TempDir(), n8n.URL)))
	angel := g.userWithKey("angel", "read", "write")
	bruno := g.userWithKey("bruno", "read", "write")

	u.anthropic.Enqueue(fakeupstream.Reply{Text: pageCopy, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 10}})
	if status, _, data := g.doRaw("POST", "/v1/landing-pages", angel.Key, `{"business_name":"Acme","description":"Anvils"}`); status != 200 {
		t.Fatalf("landing page: %d %s", status, data)
	}
	// A refused brief never ran: it is no run.
	if status, _, _ := g.doRaw("POST", "/v1/landing-pages", angel.Key, `{"business_name":"Acme"}`); status != 400 {
		t.Fatalf("refused brief: %d", status)
	}
	g.waitForRecords(angel.UserID, 2)

	list := func(key, query string) workflowsJSON {
		t.Helper()
		status, _, data := g.doRaw("GET", "/v1/workflows"+query, key, "")
		var answer workflowsJSON
		if status != 200 || json.Unmarshal(data, &answer) != nil || answer.Count != len(answer.Workflows) {
			t.Fatalf("workflows%s: %d %s", query, status, data)
		}
		return answer
	}
	got := list(angel.Key, "")
	if len(got.Workflows) != 3 || got.Warning != "" {
		t.Fatalf("angel's runs: %+v", got)
	}
	first, second, third := got.Workflows[0], got.Workflows[1], got.Workflows[2]
	if first.ID != "n8n_1001" || first.Source != "n8n" || first.Name != "Follow up new leads" || first.Status != "success" ||
		first.FinishedAt == nil || !first.FinishedAt.Equal(stopped) {
		t.Fatalf("newest run %+v", first)
	}
	if second.Source != "kaine" || second.Name != "landing page" || second.Status != "success" || second.StartedAt == nil {
		t.Fatalf("the landing page's run %+v", second)
	}
	if third.ID != "n8n_1000" || third.Status != "error" {
		t.Fatalf("oldest run %+v", third)
	}
	if got := list(angel.Key, "?limit=1"); len(got.Workflows) != 1 || got.Workflows[0].ID != "n8n_1001" {
		t.Fatalf("limit 1: %+v", got)
	}
	// Another account sees none of the instance's runs.
	if got := list(bruno.Key, ""); len(got.Workflows) != 0 || got.Warning != "" {
		t.Fatalf("bruno's runs: %+v", got)
	}

	n8n.FailExecutions(faken8n.Fault{Status: 500, Message: "database is down"})
	got = list(angel.Key, "")
	if len(got.Workflows) != 1 || got.Workflows[0].Name != "landing page" || !strings.Contains(got.Warning, "n8n") ||
		strings.Contains(got.Warning, "n8n-test-key") || strings.Contains(got.Warning, "127.0.0.1") {
		t.Fatalf("n8n down: %+v", got)
	}
	if status, _, data := g.doRaw("GET", "/v1/workflows?limit=zero", angel.Key, ""); status != 400 || !strings.Contains(string(data), "invalid_field") {
		t.Fatalf("bad limit: %d %s", status, data)
	}
}
