package modellist

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeGemini serves GET /v1beta/models as the Generative Language API
// does: x-goog-api-key required, pages of at most pageSize (and at most
// the fake's own pageSize) named by an opaque nextPageToken.
type fakeGemini struct {
	key      string
	pageSize int
	names    []string
	log      requestLog
}

func (f *fakeGemini) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.log.add(r)
	q := r.URL.Query()
	if r.Method != http.MethodGet || r.URL.Path != "/v1beta/models" {
		geminiError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
		return
	}
	if r.Header.Get("x-goog-api-key") != f.key {
		geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
		return
	}
	size, err := strconv.Atoi(q.Get("pageSize"))
	if err != nil || size < 1 || size > 1000 {
		geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid page size.")
		return
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		offset, err := base64.RawURLEncoding.DecodeString(tok)
		if err == nil {
			start, err = strconv.Atoi(string(offset))
		}
		if err != nil {
			geminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid page token.")
			return
		}
	}
	end := min(start+min(size, f.pageSize), len(f.names))
	type model struct {
		Name                       string   `json:"name"`
		BaseModelID                string   `json:"baseModelId"`
		Version                    string   `json:"version"`
		DisplayName                string   `json:"displayName"`
		SupportedGenerationMethods []string `json:"supportedGenerationMethods"`
	}
	answer := struct {
		Models        []model `json:"models,omitempty"`
		NextPageToken string  `json:"nextPageToken,omitempty"`
	}{}
	for _, name := range f.names[start:end] {
		id := strings.TrimPrefix(name, "models/")
		answer.Models = append(answer.Models, model{name, id, "001", "Gemini " + id, []string{"generateContent", "countTokens"}})
	}
	if end < len(f.names) {
		answer.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	b, _ := json.Marshal(answer)
	writeJSON(w, http.StatusOK, string(b))
}

func geminiError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": msg, "status": code}})
	writeJSON(w, status, string(b))
}

func TestGeminiFollowsEveryPageAndStripsPrefix(t *testing.T) {
	fake := &fakeGemini{key: testKey, pageSize: 2, names: []string{
		"models/gemini-2.5-pro", "models/gemini-2.5-flash", "models/gemini-2.0-flash-001", "models/embedding-001", "models/aqa",
	}}
	srv := newServer(t, fake)

	got, err := List(t.Context(), srv.Client(), "gemini", srv.URL, testKey)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"aqa", "embedding-001", "gemini-2.0-flash-001", "gemini-2.5-flash", "gemini-2.5-pro"}
	if !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
	reqs := fake.log.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if strings.Contains(r.URL.RawQuery, testKey) {
			t.Errorf("request %d: the key is in the URL %q", i+1, r.URL)
		}
		if got := r.URL.Query().Get("pageSize"); got != "1000" {
			t.Errorf("request %d: pageSize = %q, want 1000", i+1, got)
		}
		if hasToken := r.URL.Query().Has("pageToken"); hasToken != (i > 0) {
			t.Errorf("request %d: pageToken sent = %v", i+1, hasToken)
		}
	}
}

func TestGeminiEmptyListIsLeftOut(t *testing.T) {
	srv := newServer(t, &fakeGemini{key: testKey, pageSize: 10})

	got, err := List(t.Context(), srv.Client(), "gemini", srv.URL, testKey)
	if err != nil || len(got) != 0 {
		t.Errorf("List = %q, %v; want no ids and no error", got, err)
	}
}

func TestGeminiInvalidKey(t *testing.T) {
	srv := newServer(t, &fakeGemini{key: "AIza-right", pageSize: 10, names: []string{"models/gemini-2.5-flash"}})

	_, err := List(t.Context(), srv.Client(), "gemini", srv.URL, testKey)
	se := statusErr(t, err)
	if se.Status != http.StatusBadRequest || se.Message != "API key not valid. Please pass a valid API key." {
		t.Errorf("error = %d %q", se.Status, se.Message)
	}
}
