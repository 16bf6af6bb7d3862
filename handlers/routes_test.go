package handlers

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestRouterMatch(t *testing.T) {
	noop := func(http.ResponseWriter, *http.Request, *Call) {}
	rt := NewRouter([]Route{
		{Method: "GET", Path: "/v1/me", Handle: noop},
		{Method: "GET", Path: "/v1/leads", Handle: noop},
		{Method: "POST", Path: "/v1/leads", Handle: noop},
		{Method: "PATCH", Path: "/v1/leads/{id}", Handle: noop},
		{Method: "GET", Path: "/v1/videos/{id}", Handle: noop},
	})
	for _, tc := range []struct {
		method, path string
		want         string
		values       []string
		allowed      []string
	}{
		{"GET", "/v1/me", "GET /v1/me", nil, nil},
		{"POST", "/v1/me", "", nil, []string{"GET"}},
		{"DELETE", "/v1/leads", "", nil, []string{"GET", "POST"}},
		{"PATCH", "/v1/leads/42", "PATCH /v1/leads/{id}", []string{"42"}, nil},
		{"GET", "/v1/leads/42", "", nil, []string{"PATCH"}},
		{"GET", "/v1/videos/", "", nil, nil},
		{"GET", "/v1/videos/a/b", "", nil, nil},
		{"GET", "/v1/nope", "", nil, nil},
	} {
		r, values, allowed := rt.Match(tc.method, tc.path)
		got := ""
		if r != nil {
			got = r.Method + " " + r.Path
		}
		if got != tc.want || !reflect.DeepEqual(values, tc.values) || !reflect.DeepEqual(allowed, tc.allowed) {
			t.Errorf("Match(%s %s) = %q %v %v; want %q %v %v", tc.method, tc.path, got, values, allowed, tc.want, tc.values, tc.allowed)
		}
	}
	route, values, _ := rt.Match("PATCH", "/v1/leads/7")
	req := httptest.NewRequest("PATCH", "/v1/leads/7", nil)
	route.SetPathValues(req, values)
	if req.PathValue("id") != "7" {
		t.Fatalf("PathValue(id) = %q", req.PathValue("id"))
	}
}

func TestErrorShape(t *testing.T) {
	w := httptest.NewRecorder()
	Errors{DocsURL: "https://docs.example/api"}.Write(w, CodeInsufficientScope, `needs "write"`)
	if w.Code != 403 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	want := `{"detail":{"error":"insufficient_scope","message":"needs \"write\"","docs":"https://docs.example/api"}}`
	if w.Body.String() != want {
		t.Fatalf("body = %s\nwant   %s", w.Body, want)
	}
}

func TestBearerKey(t *testing.T) {
	for header, want := range map[string]string{
		"":                       "",
		"Bearer kn_live_abc":     "kn_live_abc",
		"bearer  kn_live_abc ":   "kn_live_abc",
		"Basic dXNlcjpwYXNz":     "",
		"Bearer":                 "",
		"BEARER kn_live_x":       "kn_live_x",
		"Bearerkn_live_abcdefgh": "",
	} {
		r := httptest.NewRequest("GET", "/v1/me", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		if got := BearerKey(r); got != want {
			t.Errorf("BearerKey(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestRequestIDs(t *testing.T) {
	g, err := NewRequestIDs()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/me", nil)
	a, b := g.For(r), g.For(r)
	if a == b || a == "" {
		t.Fatalf("generated IDs %q, %q", a, b)
	}
	r.Header.Set("X-Request-Id", "client-42:abc")
	if got := g.For(r); got != "client-42:abc" {
		t.Fatalf("client ID replaced by %q", got)
	}
	for _, bad := range []string{"has space", "quote\"", strings.Repeat("x", 129), "new\nline"} {
		r.Header.Set("X-Request-Id", bad)
		if got := g.For(r); got == bad {
			t.Fatalf("insane client ID %q kept", bad)
		}
	}
}
