package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
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
