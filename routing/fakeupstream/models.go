package fakeupstream

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// DefaultListedModels is what the fake's model lists hold unless
// Server.ListedModels says otherwise.
var DefaultListedModels = []string{"claude-haiku-4-5", "claude-sonnet-5-5", "gemini-2.5-flash-lite", "gemini-3.8-flash",
	"gpt-5.4", "gpt-5.4-mini", "text-embedding-3-small"}

// ListCalls is how many model list pages the fake served; they are not
// in Requests.
func (s *Server) ListCalls() int { return int(s.lists.Load()) }

// listedModels is the fake's model list, sorted.
func (s *Server) listedModels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ListedModels != nil {
		return slices.Sorted(slices.Values(s.ListedModels))
	}
	return DefaultListedModels
}

// serveModelList answers the three providers' model lists, paged as they
// page them: Anthropic's GET /v1/models (has_more, after_id; told apart by
// its anthropic-version header), OpenAI's GET /v1/models (one page) and
// Gemini's GET /v1beta/models (pageSize, nextPageToken). A key must come
// in each provider's own header.
func (s *Server) serveModelList(w http.ResponseWriter, r *http.Request) {
	ids := s.listedModels()
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/v1beta/models":
		if r.Header.Get("X-Goog-Api-Key") == "" {
			writeJSON(w, http.StatusForbidden, geminiAPI{}.errorBody(apiError{Status: 403, Message: "Method doesn't allow unregistered callers."}))
			return
		}
		page, next := pageOf(ids, q.Get("pageToken"), q.Get("pageSize"), 50)
		models := make([]map[string]any, len(page))
		for i, id := range page {
			models[i] = map[string]any{"name": "models/" + id, "displayName": id, "supportedGenerationMethods": []string{"generateContent", "countTokens"}}
		}
		answer := map[string]any{"models": models}
		if next != "" {
			answer["nextPageToken"] = next
		}
		writeJSON(w, http.StatusOK, answer)
	case r.Header.Get("Anthropic-Version") != "":
		if r.Header.Get("X-Api-Key") == "" {
			writeJSON(w, http.StatusUnauthorized, anthropicAPI{}.errorBody(apiError{Status: 401, Message: "x-api-key header is required"}))
			return
		}
		page, next := pageOf(ids, q.Get("after_id"), q.Get("limit"), 20)
		data := make([]map[string]any, len(page))
		for i, id := range page {
			data[i] = map[string]any{"type": "model", "id": id, "display_name": id, "created_at": "2026-01-01T00:00:00Z"}
		}
		answer := map[string]any{"data": data, "has_more": next != "", "first_id": nil, "last_id": nil}
		if len(page) > 0 {
			answer["first_id"], answer["last_id"] = page[0], page[len(page)-1]
		}
		writeJSON(w, http.StatusOK, answer)
	default:
		if !s.KeyOptional && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			writeJSON(w, http.StatusUnauthorized, openAIAPI{}.errorBody(apiError{Status: 401, Message: "You didn't provide an API key."}))
			return
		}
		data := make([]map[string]any, len(ids))
		for i, id := range ids {
			data[i] = map[string]any{"id": id, "object": "model", "created": 1764300000, "owned_by": "system"}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
	}
}

// pageOf returns the ids after the one named by after (from the start when
// empty), at most size of them (or def), and the id a next page starts
// after, "" on the last page.
func pageOf(ids []string, after, size string, def int) (page []string, next string) {
	n, err := strconv.Atoi(size)
	if err != nil || n <= 0 {
		n = def
	}
	start := 0
	if after != "" {
		start = slices.Index(ids, after) + 1
	}
	end := min(start+n, len(ids))
	page = ids[start:end]
	if end < len(ids) {
		next = ids[end-1]
	}
	return page, next
}
