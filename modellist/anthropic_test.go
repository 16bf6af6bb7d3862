package modellist

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/keinetech/kaine/internal/providertext"
)

// fakeAnthropic serves GET /v1/models as Anthropic does: x-api-key and
// anthropic-version required, newest model first, pages of at most limit
// (and at most pageSize, to make paging happen) after after_id.
type fakeAnthropic struct {
	key      string
	pageSize int
	ids      []string
	log      requestLog
}

func (f *fakeAnthropic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.log.add(r)
	q := r.URL.Query()
	if r.Method != http.MethodGet || r.URL.Path != "/v1/models" {
		anthropicError(w, http.StatusNotFound, "not_found_error", "Not found")
		return
	}
	if r.Header.Get("x-api-key") != f.key {
		anthropicError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key")
		return
	}
	if r.Header.Get("anthropic-version") != "2023-06-01" {
		anthropicError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 1000 {
		anthropicError(w, http.StatusBadRequest, "invalid_request_error", "limit: must be between 1 and 1000")
		return
	}
	start := 0
	if after := q.Get("after_id"); after != "" {
		i := slices.Index(f.ids, after)
		if i < 0 {
			anthropicError(w, http.StatusBadRequest, "invalid_request_error", "after_id: unknown model")
			return
		}
		start = i + 1
	}
	end := min(start+min(limit, f.pageSize), len(f.ids))
	type model struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
		CreatedAt   string `json:"created_at"`
	}
	answer := struct {
		Data    []model `json:"data"`
		HasMore bool    `json:"has_more"`
		FirstID *string `json:"first_id"`
		LastID  *string `json:"last_id"`
	}{Data: []model{}, HasMore: end < len(f.ids)}
	for _, id := range f.ids[start:end] {
		answer.Data = append(answer.Data, model{"model", id, "Claude " + id, "2025-10-01T00:00:00Z"})
	}
	if start < end {
		answer.FirstID, answer.LastID = &f.ids[start], &f.ids[end-1]
	}
	b, _ := json.Marshal(answer)
	writeJSON(w, http.StatusOK, string(b))
}

func anthropicError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, fmt.Sprintf(`{"type":"error","error":{"type":%q,"message":%q},"request_id":"req_011CTest"}`, typ, msg))
}

func TestAnthropicFollowsEveryPage(t *testing.T) {
	fake := &fakeAnthropic{key: testKey, pageSize: 2, ids: []string{
		"claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805",
	}}
	srv := newServer(t, fake)

	got, err := List(t.Context(), srv.Client(), "anthropic", srv.URL, testKey)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"claude-haiku-4-5-20251001", "claude-opus-4-1-20250805", "claude-opus-4-7", "claude-sonnet-4-5-20250929", "claude-sonnet-4-6"}
	if !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
	queries := fake.log.queries()
	wantAfter := []string{"", "claude-opus-4-7", "claude-sonnet-4-5-20250929"}
	if len(queries) != len(wantAfter) {
		t.Fatalf("%d requests, want %d", len(queries), len(wantAfter))
	}
	for i, q := range queries {
		if q.Get("after_id") != wantAfter[i] || q.Get("limit") != "1000" {
			t.Errorf("request %d query = %v, want limit=1000 after_id=%q", i+1, q, wantAfter[i])
		}
	}
}

func TestAnthropicRefusedKey(t *testing.T) {
	fake := &fakeAnthropic{key: testKey, pageSize: 10, ids: []string{"claude-sonnet-4-6"}}
	srv := newServer(t, fake)
	const wrongKey = "sk-ant-wrong-key-99"

	_, err := List(t.Context(), srv.Client(), "anthropic", srv.URL, wrongKey)
	se := statusErr(t, err)
	if se.Status != http.StatusUnauthorized || se.Message != providertext.KeyRefused {
		t.Errorf("error = %d %q, want 401 %q", se.Status, se.Message, providertext.KeyRefused)
	}
	if got := fake.log.all()[0].Header.Get("x-api-key"); got != wrongKey {
		t.Errorf("x-api-key = %q, want the key given", got)
	}
}
