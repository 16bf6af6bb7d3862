package kaine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keinetech/kaine"
	"github.com/keinetech/kaine/handlers"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(kaine.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
}

// Every /v1 route the gateway serves is in the document with its scope,
// and the document names no route the gateway lacks.
func TestOpenAPIDocumentsEveryRouteAndNoOther(t *testing.T) {
	doc := loadOpenAPI(t)
	served := map[string]bool{}
	for _, r := range (&handlers.API{}).Routes() {
		if r.Prefix || !strings.HasPrefix(r.Path, "/v1/") {
			continue // the drop-in providers' own APIs, /files/
		}
		op := r.Method + " " + r.Path
		served[op] = true
		item := doc.Paths.Value(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s is served but not in openapi.yaml", op)
			continue
		}
		if got, want := scopeOf(item.GetOperation(r.Method)), strings.Join(r.Scope.Names(), ","); got != want {
			t.Errorf("%s: openapi.yaml says scope %q, the route %q", op, got, want)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("openapi.yaml names %s %s, which the gateway does not serve", method, path)
			}
		}
	}
}

// scopeOf is the operation's x-kaine-scope, "" when it is public.
func scopeOf(op *openapi3.Operation) string {
	if op.Security != nil && len(*op.Security) == 0 {
		return ""
	}
	scope, _ := op.Extensions["x-kaine-scope"].(string)
	return scope
}

// The document the gateway serves is openapi.yaml, whole.
func TestOpenAPIIsServedAsJSON(t *testing.T) {
	routes := (&handlers.API{}).Routes()
	i := slices.IndexFunc(routes, func(r handlers.Route) bool { return r.Path == "/v1/openapi.json" })
	if i < 0 {
		t.Fatal("no route serves /v1/openapi.json")
	}
	rec := httptest.NewRecorder()
	routes[i].Handle(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil), nil)
	served, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/openapi.json: %d, %v", rec.Code, err)
	}
	if want := loadOpenAPI(t); served.Paths.Len() != want.Paths.Len() || served.Info.Title != want.Info.Title ||
		len(served.Components.Schemas) != len(want.Components.Schemas) {
		t.Fatalf("the served document differs from openapi.yaml")
	}
}
