package workflows

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keinetech/kaine/workflows/faken8n"
)

const testKey = "n8n_api_0123456789abcdef"

// newFake starts a fake n8n that accepts testKey.
func newFake(t *testing.T) *faken8n.Server {
	t.Helper()
	f := faken8n.New(testKey)
	t.Cleanup(f.Close)
	return f
}

// client is an N8N on the fake's instance root.
func client(f *faken8n.Server) *N8N {
	return &N8N{BaseURL: f.URL, APIKey: testKey, Client: testClient}
}

// at is a time n minutes after a fixed start, as a pointer.
func at(min int) *time.Time {
	t := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
	return &t
}

// finishedRuns scripts n successful executions, newest first, with ids
// from n down to 1, all of workflow "7".
func finishedRuns(n int) []faken8n.Execution {
	var out []faken8n.Execution
	for i := n; i >= 1; i-- {
		out = append(out, faken8n.Execution{
			ID: fmt.Sprint(i), WorkflowID: "7", Status: "success", Finished: true,
			StartedAt: at(i), StoppedAt: at(i + 1),
		})
	}
	return out
}

// literalServer answers every call with status and body as is.
func literalServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// ids lists the runs' ids.
func ids(runs []Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

// testClient is the client the tests give N8N: like the gateway's, it
// never follows a redirect.
var testClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
