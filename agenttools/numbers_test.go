package agenttools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/websearch"
)

// fakeNumbers answers with what it was asked, for the tools' checks.
type fakeNumbers struct{}

func (*fakeNumbers) Usage(account uint64, groupBy string) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"account":%d,"group_by":%q}`, account, groupBy)), nil
}

func (*fakeNumbers) CallTotals(account uint64, groupBy string, since, until time.Time) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"account":%d,"group_by":%q,"since":%q,"until":%q}`, account, groupBy,
		since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))), nil
}

func TestReportingToolsReadTheCallingAccountsNumbers(t *testing.T) {
	s := newStores(t)
	d := allDeps(s)
	env := agents.Env{Account: 7}
	if out := mustRun(t, d, "account_usage", env, `{"group_by":"model"}`); out != `{"account":7,"group_by":"model"}` {
		t.Fatalf("account_usage: %s", out)
	}
	out := mustRun(t, d, "audit_summary", env, `{"group_by":"day","since":"2026-11-01T00:00:00Z","until":"2026-12-01T00:00:00Z"}`)
	if out != `{"account":7,"group_by":"day","since":"2026-11-01T00:00:00Z","until":"2026-12-01T00:00:00Z"}` {
		t.Fatalf("audit_summary: %s", out)
	}
	for input, want := range map[string]string{
		`{"group_by":"week"}`:                    "group_by must be one of",
		`{"group_by":"day","since":"yesterday"}`: "since must be an RFC 3339 time",
		`{"group_by":"day","since":"2026-12-01T00:00:00Z","until":"2026-11-01T00:00:00Z"}`: "until must be after since",
		`{"group_by":"day","since":"2026-01-01T00:00:00Z","until":"2026-12-01T00:00:00Z"}`: "at most 90 days",
		`{}`: "group_by must be one of",
	} {
		wantError(t, d, "audit_summary", env, input, want)
	}
	wantError(t, d, "account_usage", env, `{"group_by":"week"}`, "group_by must be one of")
}

func TestCRMPipelineCountsOnlyTheAccountsLeads(t *testing.T) {
	s := newStores(t)
	for _, l := range []leads.Lead{{Name: "A", Source: "ads"}, {Name: "B", Source: "ads"}, {Name: "C"}} {
		if _, err := s.leads.Create(7, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.leads.Create(8, leads.Lead{Name: "Other"}); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, s.deps(), "crm_pipeline", agents.Env{Account: 7}, `{"since":"2026-01-01T00:00:00Z"}`)
	var p leads.Pipeline
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Total != 3 || p.BySource["ads"] != 2 || p.ByStatus[leads.New] != 3 || p.NewSince != 3 {
		t.Fatalf("crm_pipeline: %s (%v)", out, err)
	}
	wantError(t, s.deps(), "crm_pipeline", agents.Env{Account: 7}, `{"since":"soon"}`, "RFC 3339")
	if strings.Contains(out, "Other") {
		t.Fatalf("another account's lead: %s", out)
	}
}

// fakeSearch finds one result for any query.
type fakeSearch struct{}

func (fakeSearch) Search(_ context.Context, env agents.Env, query string, count int) ([]websearch.Result, error) {
	return []websearch.Result{{Title: fmt.Sprintf("%d: %s", env.Account, query), URL: "https://example.com/", Snippet: strconv.Itoa(count)}}, nil
}

func TestWebSearchPassesTheQueryAndBoundsTheCount(t *testing.T) {
	d := Deps{WebSearch: fakeSearch{}}
	out := mustRun(t, d, "web_search", agents.Env{Account: 7}, `{"query":"boilers lisbon","count":3}`)
	if out != `{"results":[{"title":"7: boilers lisbon","url":"https://example.com/","snippet":"3"}],"count":1}` {
		t.Fatalf("web_search: %s", out)
	}
	wantError(t, d, "web_search", agents.Env{Account: 7}, `{"query":"x","count":50}`, "count must be from 1 to 20")
	wantError(t, d, "web_search", agents.Env{Account: 7}, `{}`, "query")
}

func TestWebSearchWithoutAProviderSearchesNothing(t *testing.T) {
	s := newStores(t)
	if out := mustRun(t, s.deps(), "web_search", agents.Env{Account: 1}, `{"query":"boilers"}`); out != searchNotConfigured {
		t.Fatalf("web_search without a provider: %s", out)
	}
}
