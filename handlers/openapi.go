package handlers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/keinetech/kaine"
)

// openAPIJSON is openapi.yaml as JSON, made once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(kaine.OpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("reading openapi.yaml: %w", err)
	}
	body, err := json.Marshal(stringKeys(doc))
	if err != nil {
		return nil, fmt.Errorf("writing openapi.yaml as JSON: %w", err)
	}
	return body, nil
})

// stringKeys gives v's mappings string keys, as JSON's objects have: YAML
// reads the unquoted status codes of responses (200:) as numbers.
func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			v[k] = stringKeys(item)
		}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, item := range v {
			m[fmt.Sprint(k)] = stringKeys(item)
		}
		return m
	case []any:
		for i, item := range v {
			v[i] = stringKeys(item)
		}
	}
	return v
}

// openAPI answers GET /v1/openapi.json, without a key: the document SDK
// generators, API explorers and the dashboard read.
func (a *API) openAPI(w http.ResponseWriter, _ *http.Request, _ *Call) {
	doc, err := openAPIJSON()
	if err != nil {
		a.Errors.Internal(w, err, "The API's description could not be read; this build of Kaine is broken.")
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSONBytes(w, http.StatusOK, doc)
}

// Operation is one operation of the API's document, as a page lists it.
type Operation struct {
	Method, Path, Summary string
	// Scope is the key's scope it needs ("" for a public one); Tag groups
	// it (Account, LLM, Leads, …).
	Scope, Tag string
}

// Operations lists the document's operations by tag, in the document's
// order of tags, then by path and method.
var Operations = sync.OnceValues(func() ([]Operation, error) {
	doc, err := openAPIJSON()
	if err != nil {
		return nil, err
	}
	var parsed struct {
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Summary string   `json:"summary"`
			Scope   string   `json:"x-kaine-scope"`
			Tags    []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		return nil, fmt.Errorf("reading openapi.yaml's operations: %w", err)
	}
	order := map[string]int{}
	for i, t := range parsed.Tags {
		order[t.Name] = i
	}
	var ops []Operation
	for path, item := range parsed.Paths {
		for method, op := range item {
			if !slices.Contains(httpMethods, method) {
				continue // parameters, summary: not operations
			}
			o := Operation{Method: strings.ToUpper(method), Path: path, Summary: op.Summary, Scope: op.Scope}
			if len(op.Tags) > 0 {
				o.Tag = op.Tags[0]
			}
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b Operation) int {
		return cmp.Or(cmp.Compare(order[a.Tag], order[b.Tag]), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	return ops, nil
})

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
