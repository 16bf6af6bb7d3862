package modellist

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/keinetech/kaine/internal/providertext"
)

// fakeOpenAI serves GET /v1/models as OpenAI does: one page, Bearer key
// required unless key is empty (a local server that takes none). With
// pageSize set it pages like a compatible server that does: has_more and
// last_id, followed with after.
type fakeOpenAI struct {
	key      string
	pageSize int
	ids      []string
	log      requestLog
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.log.add(r)
	if r.Method != http.MethodGet || r.URL.Path != "/v1/models" {
		writeJSON(w, http.StatusNotFound, `{"error":{"message":"Invalid URL (GET `+r.URL.Path+`)","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
		given := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		writeJSON(w, http.StatusUnauthorized, `{"error":{"message":"Incorrect API key provided: `+given+`. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
		return
	}
	start, end := 0, len(f.ids)
	if f.pageSize > 0 {
		if after := r.URL.Query().Get("after"); after != "" {
			start = slices.Index(f.ids, after) + 1
		}
		end = min(start+f.pageSize, len(f.ids))
	}
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	answer := map[string]any{"object": "list"}
	data := []model{}
	for _, id := range f.ids[start:end] {
		data = append(data, model{id, "model", 1744316542, "system"})
	}
	answer["data"] = data
	if f.pageSize > 0 {
		answer["has_more"] = end < len(f.ids)
		answer["last_id"] = f.ids[end-1]
	}
	b, _ := json.Marshal(answer)
	writeJSON(w, http.StatusOK, string(b))
}

func TestOpenAIListsEveryModelSorted(t *testing.T) {
	fake := &fakeOpenAI{key: testKey, ids: []string{
		"gpt-4.1-2025-04-14", "whisper-1", "gpt-4.1", "tts-1", "dall-e-3", "omni-moderation-latest",
		"text-embedding-3-small", "babbage-002", "davinci-002", "gpt-5.4",
	}}
	srv := newServer(t, fake)

	got, err := List(t.Context(), srv.Client(), "openai", srv.URL+"/v1", testKey)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"babbage-002", "dall-e-3", "davinci-002", "gpt-4.1", "gpt-4.1-2025-04-14", "gpt-5.4",
		"omni-moderation-latest", "text-embedding-3-small", "tts-1", "whisper-1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
	reqs := fake.log.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1: OpenAI does not page", len(reqs))
	}
	if reqs[0].URL.RawQuery != "" {
		t.Errorf("query = %q, want none", reqs[0].URL.RawQuery)
	}
}

func TestOpenAICompatibleServerWithoutKeyGetsNoAuthorization(t *testing.T) {
	fake := &fakeOpenAI{ids: []string{"qwen3:8b", "llama3.2:latest"}}
	srv := newServer(t, fake)

	got, err := List(t.Context(), srv.Client(), "openai", srv.URL+"/v1", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"llama3.2:latest", "qwen3:8b"}; !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
	if auth, sent := fake.log.all()[0].Header["Authorization"]; sent {
		t.Errorf("Authorization = %q, want no header", auth)
	}
}

func TestOpenAICompatibleServerPaging(t *testing.T) {
	fake := &fakeOpenAI{pageSize: 2, ids: []string{"model-a", "model-b", "model-c", "model-d", "model-e"}}
	srv := newServer(t, fake)

	got, err := List(t.Context(), srv.Client(), "openai", srv.URL+"/v1", "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, fake.ids) {
		t.Errorf("ids = %q, want %q", got, fake.ids)
	}
	var after []string
	for _, q := range fake.log.queries() {
		after = append(after, q.Get("after"))
	}
	if want := []string{"", "model-b", "model-d"}; !slices.Equal(after, want) {
		t.Errorf("after = %q, want %q", after, want)
	}
}

func TestOpenAIRefusedKeyIsNotEchoed(t *testing.T) {
	srv := newServer(t, &fakeOpenAI{key: "sk-the-right-one", ids: []string{"gpt-5.4"}})

	_, err := List(t.Context(), srv.Client(), "openai", srv.URL+"/v1", testKey)
	se := statusErr(t, err)
	if se.Status != http.StatusUnauthorized || se.Message != providertext.KeyRefused {
		t.Errorf("error = %d %q, want 401 %q", se.Status, se.Message, providertext.KeyRefused)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error %q holds the key", err)
	}
}

func TestOpenAIMissingKey(t *testing.T) {
	srv := newServer(t, &fakeOpenAI{key: "sk-needed", ids: []string{"gpt-5.4"}})

	_, err := List(t.Context(), srv.Client(), "openai", srv.URL+"/v1", "")
	if se := statusErr(t, err); se.Status != http.StatusUnauthorized || se.Message != keyMissingMessage {
		t.Errorf("error = %d %q, want 401 %q", se.Status, se.Message, keyMissingMessage)
	}
}

func TestDuplicateIDsListedOnce(t *testing.T) {
	srv := literalServer(t, http.StatusOK, `{"object":"list","data":[{"id":"b"},{"id":"a"},{"id":"b"},{"object":"model"}]}`)

	got, err := List(t.Context(), srv.Client(), "openai", srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
}
