package workflows

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keinetech/kaine/workflows/faken8n"
)

func TestExecutionsNames(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *faken8n.Server)
		want  map[string]string // workflow id → name on its runs
	}{
		{
			name: "all known",
			setup: func(f *faken8n.Server) {
				f.SetWorkflow("1", "Lead intake")
				f.SetWorkflow("2", "Weekly report")
				f.SetWorkflow("3", "Slack alert")
			},
			want: map[string]string{"1": "Lead intake", "2": "Weekly report", "3": "Slack alert"},
		},
		{
			name: "a deleted workflow answers 404",
			setup: func(f *faken8n.Server) {
				f.SetWorkflow("1", "Lead intake")
				f.SetWorkflow("3", "Slack alert")
			},
			want: map[string]string{"1": "Lead intake", "2": "workflow 2", "3": "Slack alert"},
		},
		{
			name: "one lookup fails with 500",
			setup: func(f *faken8n.Server) {
				f.SetWorkflow("1", "Lead intake")
				f.SetWorkflow("2", "Weekly report")
				f.SetWorkflow("3", "Slack alert")
				f.FailWorkflow("2", faken8n.Fault{Status: 500})
			},
			want: map[string]string{"1": "Lead intake", "2": "workflow 2", "3": "Slack alert"},
		},
		{
			name: "the key lacks workflow:read",
			setup: func(f *faken8n.Server) {
				f.SetWorkflow("1", "Lead intake")
				f.FailWorkflow("", faken8n.Fault{Status: 403})
			},
			want: map[string]string{"1": "workflow 1", "2": "workflow 2", "3": "workflow 3"},
		},
		{
			name: "a garbage answer",
			setup: func(f *faken8n.Server) {
				f.SetWorkflow("1", "Lead intake")
				f.SetWorkflow("2", "Weekly report")
				f.FailWorkflow("1", faken8n.Fault{Garbage: true})
			},
			want: map[string]string{"1": "workflow 1", "2": "Weekly report", "3": "workflow 3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			// 30 runs over three workflows, across two pages' worth.
			var execs []faken8n.Execution
			for i := 30; i >= 1; i-- {
				execs = append(execs, faken8n.Execution{ID: fmt.Sprint(i), WorkflowID: fmt.Sprint(i%3 + 1), Status: "success", StartedAt: at(i), StoppedAt: at(i)})
			}
			f.SetExecutions(execs...)
			tt.setup(f)
			runs, err := client(f).Executions(t.Context(), 30)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 30 {
				t.Fatalf("%d runs", len(runs))
			}
			for _, r := range runs {
				var n int
				fmt.Sscanf(r.ID, "n8n_%d", &n)
				wid := fmt.Sprint(n%3 + 1)
				if r.Name != tt.want[wid] {
					t.Errorf("%s (workflow %s): name %q, want %q", r.ID, wid, r.Name, tt.want[wid])
				}
			}
			for _, wid := range []string{"1", "2", "3"} {
				if got := f.Count("/api/v1/workflows/" + wid); got != 1 {
					t.Errorf("workflow %s looked up %d times, want once", wid, got)
				}
			}
		})
	}
}

func TestExecutionsNameLookupsAreBounded(t *testing.T) {
	f := newFake(t)
	var execs []faken8n.Execution
	for i := maxNames + 20; i >= 1; i-- {
		execs = append(execs, faken8n.Execution{ID: fmt.Sprint(i), WorkflowID: fmt.Sprint(i), Status: "running", StartedAt: at(i)})
	}
	f.SetExecutions(execs...)
	runs, err := client(f).Executions(t.Context(), maxNames+20)
	if err != nil {
		t.Fatal(err)
	}
	lookups := len(f.Requests()) - f.Count("/api/v1/executions")
	if len(runs) != maxNames+20 || lookups != maxNames {
		t.Errorf("%d runs, %d name lookups; want %d, %d", len(runs), lookups, maxNames+20, maxNames)
	}
}

func TestExecutionsNameLookupsAreConcurrencyBounded(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/executions" {
			var data []string
			for i := 1; i <= 40; i++ {
				data = append(data, fmt.Sprintf(`{"id":"%d","workflowId":"w%d","status":"success"}`, i, i))
			}
			fmt.Fprintf(w, `{"data":[%s],"nextCursor":null}`, strings.Join(data, ","))
			return
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		// Holding each lookup a moment lets them overlap if they can.
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		fmt.Fprint(w, `{"name":"a workflow"}`)
	}))
	t.Cleanup(srv.Close)
	runs, err := (&N8N{BaseURL: srv.URL, APIKey: testKey, Client: testClient}).Executions(t.Context(), 40)
	if err != nil || len(runs) != 40 || runs[0].Name != "a workflow" {
		t.Fatalf("runs %v, error %v", runs, err)
	}
	if most > nameWorkers {
		t.Errorf("%d lookups at once, want at most %d", most, nameWorkers)
	}
}

func TestExecutionsNameOfAHugeWorkflow(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/executions" {
			fmt.Fprint(w, `{"data":[{"id":"1","workflowId":"9","status":"success"}],"nextCursor":null}`)
			return
		}
		// Two megabytes of nodes after the name: over the read bound.
		fmt.Fprintf(w, `{"id":"9","name":"Big one","nodes":[%q]}`, strings.Repeat("x", 2<<20))
	}))
	t.Cleanup(srv.Close)
	runs, err := (&N8N{BaseURL: srv.URL, APIKey: testKey, Client: testClient}).Executions(t.Context(), 5)
	if err != nil || len(runs) != 1 || runs[0].Name != "Big one" {
		t.Fatalf("runs %v, error %v", runs, err)
	}
}
