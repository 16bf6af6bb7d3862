package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/workflows/faken8n"
)

func TestExecutionsErrorStatuses(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		fault      faken8n.Fault
		wantStatus int
		wantIn     string
	}{
		{"no key", "", faken8n.Fault{}, 401, "refused the API key"},
		{"wrong key", "n8n_api_wrong", faken8n.Fault{}, 401, "refused the API key"},
		{"a 401 that echoes the key", testKey, faken8n.Fault{Status: 401, Message: "bad key " + testKey}, 401, "refused the API key"},
		{"missing scope", testKey, faken8n.Fault{Status: 403, Message: "Forbidden"}, 403, "execution:list scope: Forbidden"},
		{"public API disabled", testKey, faken8n.Fault{Status: 404}, 404, "check the n8n base_url"},
		{"server error", testKey, faken8n.Fault{Status: 500, Message: "db   down\nfor\t" + testKey}, 500, "status 500: db down for [redacted]"},
		{"bad gateway", testKey, faken8n.Fault{Status: 502}, 502, "status 502"},
		{"a long message is cut", testKey, faken8n.Fault{Status: 503, Message: strings.Repeat("x", 1000)}, 503, "…"},
		{"a 400", testKey, faken8n.Fault{Status: 400, Message: "request/query/limit must be <= 250"}, 400, "status 400: request/query/limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetExecutions(finishedRuns(3)...)
			f.FailExecutions(tt.fault)
			n := &N8N{BaseURL: f.URL, APIKey: tt.key, Client: testClient}
			runs, err := n.Executions(t.Context(), 10)
			if runs != nil {
				t.Errorf("runs %v with an error", runs)
			}
			var ne *N8NError
			if !errors.As(err, &ne) {
				t.Fatalf("error %v (%T) is not an *N8NError", err, err)
			}
			if ne.Status != tt.wantStatus || !strings.Contains(ne.Message, tt.wantIn) {
				t.Errorf("got %d %q, want %d containing %q", ne.Status, ne.Message, tt.wantStatus, tt.wantIn)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("the key shows in %q", err)
			}
			if len([]rune(ne.Message)) > 300 {
				t.Errorf("message of %d characters", len([]rune(ne.Message)))
			}
		})
	}
}

func TestExecutionsMalformed(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"cut off", `{"data": [{"id": "1", "status": `},
		{"not JSON", `<html>Bad Gateway</html>`},
		{"empty", ``},
		{"no data", `{"executions": []}`},
		{"data not an array", `{"data": {"id": "1"}}`},
		{"an item not an object", `{"data": ["1"]}`},
		{"an item without id", `{"data": [{"workflowId": "1"}]}`},
		{"id an object", `{"data": [{"id": {"n": 1}}]}`},
		{"startedAt not a time", `{"data": [{"id": "1", "startedAt": "yesterday"}]}`},
		{"startedAt a number", `{"data": [{"id": "1", "startedAt": 1764237600}]}`},
		{"status a number", `{"data": [{"id": "1", "status": 3}]}`},
		{"nextCursor a number", `{"data": [], "nextCursor": 5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := literalServer(t, 200, tt.body)
			n := &N8N{BaseURL: srv.URL, APIKey: testKey, Client: testClient}
			runs, err := n.Executions(t.Context(), 10)
			if !errors.Is(err, errMalformed) {
				t.Fatalf("runs %v, error %v; want a malformed-answer error", runs, err)
			}
		})
	}
}

func TestExecutionsGarbageFromFake(t *testing.T) {
	f := newFake(t)
	f.FailExecutions(faken8n.Fault{Garbage: true})
	if _, err := client(f).Executions(t.Context(), 10); !errors.Is(err, errMalformed) {
		t.Fatalf("error %v, want a malformed-answer error", err)
	}
}

func TestExecutionsHangIsBoundedByContext(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *faken8n.Server)
		// wantErr: a hung name lookup is best effort, so the runs come back.
		wantErr bool
	}{
		{"executions hang", func(f *faken8n.Server) { f.FailExecutions(faken8n.Fault{Hang: true}) }, true},
		{"a name lookup hangs", func(f *faken8n.Server) { f.FailWorkflow("7", faken8n.Fault{Hang: true}) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetExecutions(finishedRuns(2)...)
			f.SetWorkflow("7", "Lead intake")
			tt.setup(f)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			runs, err := client(f).Executions(ctx, 10)
			if !tt.wantErr {
				if err != nil || len(runs) != 2 || runs[0].Name != "workflow 7" {
					t.Fatalf("runs %v, error %v", runs, err)
				}
				return
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want the context's deadline", err)
			}
			if !strings.HasPrefix(err.Error(), "listing n8n executions: ") {
				t.Errorf("error %q does not name its subject", err)
			}
		})
	}
}

func TestExecutionsRefusedConnection(t *testing.T) {
	srv := literalServer(t, 200, `{}`)
	base := srv.URL
	srv.Close()
	_, err := (&N8N{BaseURL: base, APIKey: testKey, Client: testClient}).Executions(t.Context(), 10)
	var ne *N8NError
	if err == nil || errors.As(err, &ne) || strings.Contains(err.Error(), testKey) {
		t.Fatalf("error %v (%T), want a wrapped transport error", err, err)
	}
}
