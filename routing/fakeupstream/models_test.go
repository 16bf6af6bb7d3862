package fakeupstream

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/keinetech/kaine/modellist"
)

// The fake's model lists are read by the gateway's own lister, each in its
// provider's shape and header.
func TestModelListsAnswerTheListerInEachProvidersShape(t *testing.T) {
	s := New()
	defer s.Close()
	s.ListedModels = []string{"gpt-9", "claude-x", "gemini-y"}
	for _, c := range []struct{ protocol, base string }{
		{"anthropic", s.URL}, {"openai", s.URL + "/v1"}, {"gemini", s.URL},
	} {
		ids, err := modellist.List(context.Background(), http.DefaultClient, c.protocol, c.base, "key")
		if err != nil || !slices.Equal(ids, []string{"claude-x", "gemini-y", "gpt-9"}) {
			t.Errorf("%s: %v %v", c.protocol, ids, err)
		}
		if _, err := modellist.List(context.Background(), http.DefaultClient, c.protocol, c.base, ""); err == nil {
			t.Errorf("%s: listed without a key", c.protocol)
		}
	}
}

// Anthropic's and Gemini's lists page as theirs do.
func TestModelListsPage(t *testing.T) {
	s := New()
	defer s.Close()
	s.ListedModels = []string{"a", "b", "c"}
	get := func(path string, header map[string]string) map[string]any {
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		return out
	}
	claude := map[string]string{"X-Api-Key": "k", "Anthropic-Version": "2023-06-01"}
	first := get("/v1/models?limit=2", claude)
	if first["has_more"] != true || first["last_id"] != "b" {
		t.Fatalf("anthropic first page %v", first)
	}
	if last := get("/v1/models?limit=2&after_id=b", claude); last["has_more"] != false || last["last_id"] != "c" {
		t.Fatalf("anthropic last page %v", last)
	}
	gemini := map[string]string{"X-Goog-Api-Key": "k"}
	first = get("/v1beta/models?pageSize=2", gemini)
	if first["nextPageToken"] != "b" || len(first["models"].([]any)) != 2 {
		t.Fatalf("gemini first page %v", first)
	}
	if last := get("/v1beta/models?pageSize=2&pageToken=b", gemini); last["nextPageToken"] != nil || len(last["models"].([]any)) != 1 {
		t.Fatalf("gemini last page %v", last)
	}
}
