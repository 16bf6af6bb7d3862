// Package fakebrave is a faithful fake of Brave Search's web search API,
// for tests: the endpoint, its key header, its answer and its errors.
package fakebrave

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
)

// Hit is a result the fake answers, as Brave sends it.
type Hit struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	Description string `json:"description"`
}

// Server is the fake. Queries it answers come from Results; any other
// query has no results.
type Server struct {
	*httptest.Server
	key string

	mu      sync.Mutex
	results map[string][]Hit
	queries []string
	// limited makes every search answer 429 RATE_LIMITED.
	limited bool
}

// New starts a fake that takes key.
func New(key string) *Server {
	s := &Server{key: key, results: map[string][]Hit{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Results sets what query finds.
func (s *Server) Results(query string, hits ...Hit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[query] = hits
}

// Limit makes the fake refuse every search as over its rate limit.
func (s *Server) Limit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited = true
}

// Queries are the searches made, in order.
func (s *Server) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/res/v1/web/search" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("X-Subscription-Token") != s.key {
		braveError(w, http.StatusUnauthorized, "SUBSCRIPTION_TOKEN_INVALID", "The provided subscription token is invalid.")
		return
	}
	q := r.URL.Query().Get("q")
	count, err := strconv.Atoi(r.URL.Query().Get("count"))
	if q == "" || err != nil || count < 1 || count > 20 {
		braveError(w, http.StatusUnprocessableEntity, "VALIDATION", "Unable to validate request parameter(s).")
		return
	}
	s.mu.Lock()
	s.queries = append(s.queries, q)
	hits, limited := s.results[q], s.limited
	s.mu.Unlock()
	if limited {
		braveError(w, http.StatusTooManyRequests, "RATE_LIMITED", "Request rate limit exceeded for plan.")
		return
	}
	if len(hits) > count {
		hits = hits[:count]
	}
	if hits == nil {
		hits = []Hit{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"type": "search", "query": map[string]any{"original": q},
		"web": map[string]any{"type": "search", "results": hits}})
}

func braveError(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "ErrorResponse",
		"error": map[string]any{"id": "fake", "status": status, "code": code, "detail": detail, "meta": map[string]any{}}})
}
