package workflows

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
)

func TestExecutionsPaging(t *testing.T) {
	tests := []struct {
		name      string
		scripted  int
		limit     int
		wantRuns  int
		wantPages []string // the limit sent on each page
	}{
		{"three pages, stops at limit", 10, 7, 7, []string{"7"}},
		{"limit across three pages", 700, 600, 600, []string{"250", "250", "250"}},
		{"fewer than limit: last page has no cursor", 520, 600, 520, []string{"250", "250", "250"}},
		{"exactly one page", 250, 250, 250, []string{"250"}},
		{"limit over 250 on one short list", 30, 1000, 30, []string{"250"}},
		{"limit below 1 asks nothing", 5, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetExecutions(finishedRuns(tt.scripted)...)
			f.SetWorkflow("7", "Lead intake")
			runs, err := client(f).Executions(t.Context(), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != tt.wantRuns {
				t.Fatalf("got %d runs, want %d", len(runs), tt.wantRuns)
			}
			var limits []string
			for i, r := range f.Requests() {
				if r.Path != "/api/v1/executions" {
					continue
				}
				limits = append(limits, r.Query.Get("limit"))
				if (i == 0) != (r.Query.Get("cursor") == "") {
					t.Errorf("request %d: cursor %q", i, r.Query.Get("cursor"))
				}
			}
			if !slices.Equal(limits, tt.wantPages) {
				t.Errorf("page limits %v, want %v", limits, tt.wantPages)
			}
			// Newest first, no gap or repeat across pages.
			for i, r := range runs {
				if want := fmt.Sprintf("n8n_%d", tt.scripted-i); r.ID != want {
					t.Fatalf("run %d is %s, want %s", i, r.ID, want)
				}
			}
		})
	}
}

// endlessServer answers every page with one new execution and a new
// cursor, or with an empty page and a cursor when empty is set.
func endlessServer(t *testing.T, empty bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/executions" {
			http.NotFound(w, r)
			return
		}
		n := calls.Add(1)
		data := fmt.Sprintf(`[{"id":"%d","workflowId":"1","status":"success"}]`, 1000-n)
		if empty {
			data = `[]`
		}
		fmt.Fprintf(w, `{"data":%s,"nextCursor":"c%d"}`, data, n)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestExecutionsPagingIsBounded(t *testing.T) {
	tests := []struct {
		name      string
		empty     bool
		wantCalls int64
	}{
		{"a cursor on every page", false, maxPages},
		{"empty pages with a cursor", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := endlessServer(t, tt.empty)
			n := &N8N{BaseURL: srv.URL, APIKey: testKey, Client: testClient}
			if _, err := n.Executions(t.Context(), 5000); err != nil {
				t.Fatal(err)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d executions pages, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestExecutionsSendsKeyAndNoData(t *testing.T) {
	f := newFake(t)
	f.SetExecutions(finishedRuns(1)...)
	if _, err := client(f).Executions(t.Context(), 10); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Requests() {
		if got := r.Header.Get("X-N8N-API-KEY"); got != testKey {
			t.Errorf("%s: key %q", r.Path, got)
		}
		if r.Path == "/api/v1/executions" && r.Query.Get("includeData") != "false" {
			t.Errorf("includeData %q", r.Query.Get("includeData"))
		}
	}
}
