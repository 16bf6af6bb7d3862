package faken8n

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

const key = "n8n_api_test"

// get calls the fake and returns the status and body.
func get(t *testing.T, ctx context.Context, s *Server, path, apiKey string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if apiKey != "" {
		req.Header.Set("X-N8N-API-KEY", apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func newServer(t *testing.T) *Server {
	t.Helper()
	s := New(key)
	t.Cleanup(s.Close)
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var execs []Execution
	for i := 5; i >= 1; i-- {
		st := start.Add(time.Duration(i) * time.Minute)
		execs = append(execs, Execution{ID: string(rune('0' + i)), WorkflowID: "7", Status: "success", Finished: true, StartedAt: &st})
	}
	s.SetExecutions(execs...)
	s.SetWorkflow("7", "Lead intake")
	return s
}

func TestAuthAndValidation(t *testing.T) {
	tests := []struct {
		name, path, key string
		status          int
		message         string
	}{
		{"no key", "/api/v1/executions", "", 401, "'X-N8N-API-KEY' header required"},
		{"wrong key", "/api/v1/executions", "nope", 401, "unauthorized"},
		{"wrong key on a workflow", "/api/v1/workflows/7", "nope", 401, "unauthorized"},
		{"limit over 250", "/api/v1/executions?limit=251", key, 400, "request/query/limit must be <= 250"},
		{"limit 0", "/api/v1/executions?limit=0", key, 400, "request/query/limit must be >= 1"},
		{"bad cursor", "/api/v1/executions?cursor=xyz", key, 400, "An invalid cursor was provided"},
		{"unknown workflow", "/api/v1/workflows/9", key, 404, "Not Found"},
		{"unknown route", "/api/v1/nothing", key, 404, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			status, body, err := get(t, t.Context(), s, tt.path, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.status || gjson.Get(body, "message").Str != tt.message {
				t.Errorf("got %d %s, want %d %q", status, body, tt.status, tt.message)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	s := newServer(t)
	s.NumericIDs(true)
	var got []string
	path := "/api/v1/executions?limit=2"
	for pages := 0; pages < 10; pages++ {
		status, body, err := get(t, t.Context(), s, path, key)
		if err != nil || status != 200 {
			t.Fatalf("%d %s %v", status, body, err)
		}
		for _, e := range gjson.Get(body, "data").Array() {
			if e.Get("id").Type != gjson.Number || e.Get("workflowId").Type != gjson.Number {
				t.Errorf("ids not numbers: %s", e.Raw)
			}
			if e.Get("stoppedAt").Type != gjson.Null || e.Get("startedAt").Str == "" {
				t.Errorf("times: %s", e.Raw)
			}
			got = append(got, e.Get("id").String())
		}
		next := gjson.Get(body, "nextCursor")
		if next.Type == gjson.Null {
			break
		}
		// The cursor's limit wins, as in n8n.
		path = "/api/v1/executions?limit=250&cursor=" + next.Str
	}
	if strings.Join(got, ",") != "5,4,3,2,1" {
		t.Errorf("paged %v", got)
	}
	if n := s.Count("/api/v1/executions"); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}

func TestWorkflow(t *testing.T) {
	s := newServer(t)
	status, body, err := get(t, t.Context(), s, "/api/v1/workflows/7", key)
	if err != nil || status != 200 || gjson.Get(body, "name").Str != "Lead intake" {
		t.Fatalf("%d %s %v", status, body, err)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		status int
		body   string
	}{
		{"403", Fault{Status: 403}, 403, `{"message":"Forbidden"}`},
		{"500 with a message", Fault{Status: 500, Message: "boom"}, 500, `{"message":"boom"}`},
		{"garbage", Fault{Garbage: true}, 200, `{"data": [{"id": "1", "status": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			s.FailExecutions(tt.fault)
			s.FailWorkflow("", tt.fault)
			for _, path := range []string{"/api/v1/executions", "/api/v1/workflows/7"} {
				status, body, err := get(t, t.Context(), s, path, key)
				if err != nil || status != tt.status || strings.TrimSpace(body) != strings.TrimSpace(tt.body) {
					t.Errorf("%s: %d %s %v", path, status, body, err)
				}
			}
			// The key is still checked first.
			if status, _, _ := get(t, t.Context(), s, "/api/v1/executions", ""); status != 401 {
				t.Errorf("no key under a fault: %d", status)
			}
			s.FailExecutions(Fault{})
			if status, _, _ := get(t, t.Context(), s, "/api/v1/executions", key); status != 200 {
				t.Errorf("after clearing the fault: %d", status)
			}
		})
	}
}

func TestHangEndsWithTheClient(t *testing.T) {
	s := newServer(t)
	s.FailExecutions(Fault{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := get(t, ctx, s, "/api/v1/executions", key); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
}

func TestRecordsRequests(t *testing.T) {
	s := newServer(t)
	get(t, t.Context(), s, "/api/v1/executions?limit=3&includeData=false", key)
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "GET" || r.Path != "/api/v1/executions" || r.Query.Get("limit") != "3" || r.Header.Get("X-N8N-API-KEY") != key {
		t.Errorf("recorded %+v", r)
	}
}
