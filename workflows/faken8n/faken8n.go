// Package faken8n is a fake of n8n for tests: of its public REST API, GET
// /api/v1/executions with cursor paging and GET /api/v1/workflows/{id};
// and production webhooks, POST /webhook/{path}; on one httptest.Server.
// It checks the X-N8N-API-KEY header and the limit as n8n does, answers
// in n8n's JSON, records every request, and plays failures: any status, a
// hang, a body that is not JSON.
package faken8n

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is the fake. The API is at URL + "/api/v1".
type Server struct {
	// URL is the instance root.
	URL string

	apiKey    string
	srv       *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex
	executions []Execution
	workflows  map[string]string
	numericIDs bool
	execFault  *Fault
	wfFaults   map[string]Fault
	webhooks   map[string]Webhook
	received   []Received
}

// Execution is one scripted execution, in the fake's terms.
type Execution struct {
	// ID and WorkflowID must be integer strings when NumericIDs is on.
	ID         string
	WorkflowID string
	// Status is n8n's: canceled, crashed, error, new, running, success,
	// unknown or waiting; "" leaves the field out, as n8n before 1.0 did.
	Status   string
	Finished bool
	// Mode defaults to "webhook".
	Mode      string
	StartedAt *time.Time
	StoppedAt *time.Time
}

// Fault is a scripted failure, played after the key is checked (n8n
// checks it first).
type Fault struct {
	// Status, when set, answers this status with n8n's {"message": ...}.
	Status int
	// Message is the message; default a plausible n8n one for the status.
	Message string
	// Hang never answers: the handler waits for the client to go away.
	Hang bool
	// Garbage answers 200 with a body cut off mid-JSON.
	Garbage bool
}

// Received is one request the fake got.
type Received struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	// Body is the request's body, up to 1 MiB.
	Body []byte
}

// New starts a fake that accepts apiKey; Close it when done.
func New(apiKey string) *Server {
	s := &Server{
		apiKey:    apiKey,
		closing:   make(chan struct{}),
		workflows: make(map[string]string),
		wfFaults:  make(map[string]Fault),
		webhooks:  make(map[string]Webhook),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the fake, ending hung answers first. Closing twice is
// harmless.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
}

// SetExecutions scripts the executions, newest first: the fake serves them
// in this order, as n8n serves its own by id, descending.
func (s *Server) SetExecutions(e ...Execution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executions = append([]Execution(nil), e...)
}

// SetWorkflow makes a workflow known, with its name. An unknown workflow
// answers 404, as n8n does for a deleted one.
func (s *Server) SetWorkflow(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workflows[id] = name
}

// NumericIDs sends id and workflowId as JSON numbers, as n8n's older spec
// said, rather than strings.
func (s *Server) NumericIDs(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.numericIDs = on
}

// FailExecutions plays f on every executions call from now; the zero
// Fault ends it.
func (s *Server) FailExecutions(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.execFault = nil
	if f != (Fault{}) {
		s.execFault = &f
	}
}

// FailWorkflow plays f on every lookup of workflow id, or of every
// workflow for id "". The zero Fault ends it.
func (s *Server) FailWorkflow(id string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.wfFaults, id)
	if f != (Fault{}) {
		s.wfFaults[id] = f
	}
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Count is how many requests were made to path.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.received {
		if r.Path == path {
			n++
		}
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody))
	s.mu.Lock()
	s.received = append(s.received, Received{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()

	// Webhooks are outside the API: they do not take its key.
	if hook, ok := strings.CutPrefix(r.URL.Path, "/webhook/"); ok {
		s.webhook(w, r, hook)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v1/")
	if !ok || r.Method != http.MethodGet {
		writeMessage(w, http.StatusNotFound, "not found")
		return
	}
	// n8n's API-key middleware runs before any route.
	switch key := r.Header.Get("X-N8N-API-KEY"); {
	case key == "":
		writeMessage(w, http.StatusUnauthorized, "'X-N8N-API-KEY' header required")
		return
	case key != s.apiKey:
		writeMessage(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	switch {
	case path == "executions":
		s.listExecutions(w, r)
	case strings.HasPrefix(path, "workflows/") && !strings.Contains(path[len("workflows/"):], "/"):
		s.getWorkflow(w, r, path[len("workflows/"):])
	default:
		writeMessage(w, http.StatusNotFound, "not found")
	}
}

// play answers a fault; it reports whether there was one.
func (s *Server) play(ctx context.Context, w http.ResponseWriter, f *Fault) bool {
	switch {
	case f == nil:
		return false
	case f.Hang:
		select {
		case <-ctx.Done():
		case <-s.closing:
		}
	case f.Garbage:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": [{"id": "1", "status": `))
	default:
		msg := f.Message
		if msg == "" {
			msg = defaultMessages[f.Status]
		}
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeMessage(w, f.Status, msg)
	}
	return true
}

// defaultMessages are n8n's words for the statuses a test plays most.
var defaultMessages = map[int]string{
	http.StatusUnauthorized:        "unauthorized",
	http.StatusForbidden:           "Forbidden",
	http.StatusNotFound:            "Not Found",
	http.StatusInternalServerError: "Internal Server Error",
}
