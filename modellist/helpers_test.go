package modellist

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

const testKey = "sk-test-0123456789abcdef"

// requestLog keeps what a fake server was asked, for the test to inspect
// once List has returned.
type requestLog struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, r.Clone(r.Context()))
}

func (l *requestLog) all() []*http.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.requests
}

func (l *requestLog) queries() []url.Values {
	var qs []url.Values
	for _, r := range l.all() {
		qs = append(qs, r.URL.Query())
	}
	return qs
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// literalServer answers every call with status and body as they are.
func literalServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	return newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, status, body)
	}))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// statusErr asserts err carries a *StatusError.
func statusErr(t *testing.T, err error) *StatusError {
	t.Helper()
	se, ok := errors.AsType[*StatusError](err)
	if !ok {
		t.Fatalf("error %v (%T) carries no *StatusError", err, err)
	}
	return se
}
