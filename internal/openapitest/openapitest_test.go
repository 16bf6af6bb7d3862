package openapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder stands for a test: it keeps what the checker reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func (r *recorder) Cleanup(func()) {}

// The checker itself: a documented answer passes, an answer that lost a
// field or a route the document lacks does not.
func TestTheCheckerTellsDriftFromTheDocument(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	answer := `{"ok":true,"version":"v1"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/ping":
			io.WriteString(w, answer)
		default:
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{}`)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: c.Transport(http.DefaultTransport)}
	get := func(path string) []string {
		t.Helper()
		r := &recorder{TB: t}
		c.Watch(r, srv.URL)
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if path == "/v1/ping" && string(body) != answer {
			t.Fatalf("the checker changed the answer: %s", body)
		}
		return r.errors
	}
	if errs := get("/v1/ping"); len(errs) != 0 {
		t.Fatalf("the documented answer: %v", errs)
	}
	answer = `{"ok":true}`
	if errs := get("/v1/ping"); len(errs) != 1 || !strings.Contains(errs[0], "not the documented one") {
		t.Fatalf("an answer without version: %v", errs)
	}
	if errs := get("/v1/undocumented"); len(errs) != 1 || !strings.Contains(errs[0], "not in the document") {
		t.Fatalf("an undocumented route answered 200: %v", errs)
	}
}
