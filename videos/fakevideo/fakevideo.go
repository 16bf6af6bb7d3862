// Package fakevideo is one httptest server that speaks the job APIs of
// the four video providers (FAL's queue, Runway, Kling, Higgsfield) as
// providers.md §5 describes them, for tests: each checks its own auth and
// input, plays a scripted outcome per job and records every request.
//
// Each provider lives under its own prefix of the one server: pass
// BaseURL(name) as the provider's base URL.
package fakevideo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Keys are the credentials the fake accepts.
type Keys struct {
	FAL                      string // Authorization: Key <FAL>
	Runway                   string // Authorization: Bearer <Runway>
	KlingAccess, KlingSecret string // Authorization: Bearer <HS256 JWT, iss KlingAccess, signed with KlingSecret>
	Higgsfield               string // Authorization: Key <KEY_ID:KEY_SECRET>
}

// Outcome scripts one job. The zero Outcome succeeds on the first poll.
type Outcome struct {
	// Polls is how many polls answer "not done yet" before the final
	// answer: the first queued, the others running.
	Polls int
	// Fail ends the job failed with this reason.
	Fail string
	// Cancel ends the job cancelled (Runway CANCELLED, Higgsfield
	// canceled; a failure at the others).
	Cancel bool
	// NSFW ends a Higgsfield job nsfw (a content-policy failure elsewhere).
	NSFW bool
	// Throttled makes Runway's queued answers THROTTLED, not PENDING.
	Throttled bool
	// FALErrorInResultOnly leaves the error field off FAL's COMPLETED
	// status, so only the result URL's 4xx tells of the failure (FAL's
	// docs are unsure where the field goes).
	FALErrorInResultOnly bool
	// Refuse answers the submit with this status, in the provider's own
	// error format: 401 (key), 422 (validation; Runway and Kling send
	// 400), 429 (rate limit), or any other.
	Refuse int
	// Message is the refusal's text; a stock one if empty.
	Message string
}

// Call is one request the fake received.
type Call struct {
	Provider string // fal, runway, kling, higgsfield
	Method   string
	Path     string // path and query, without the provider's prefix
	Header   http.Header
	Body     []byte
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's root, as httptest gives it.
	URL string

	srv  *httptest.Server
	keys Keys

	mu      sync.Mutex
	now     func() time.Time
	scripts map[string]Outcome // by prompt; "" is the default
	jobs    map[string]*job    // by provider + " " + id
	calls   []Call
	seq     int
}

// job is one job the fake was given.
type job struct {
	provider, id, kind, model, external string
	outcome                             Outcome
	polls                               int
	created                             time.Time
}

// stage is where a job is after some polls.
type stage int

const (
	queued stage = iota
	running
	done
)

// step counts one poll and returns the stage the job is now in.
func (j *job) step() stage {
	j.polls++
	return j.stage()
}

func (j *job) stage() stage {
	switch {
	case j.polls > j.outcome.Polls:
		return done
	case j.polls <= 1:
		return queued
	}
	return running
}

// failure is the reason a finished job failed, "" if it succeeded.
func (j *job) failure() string {
	o := j.outcome
	switch {
	case o.Fail != "":
		return o.Fail
	case o.Cancel:
		return "the task was cancelled"
	case o.NSFW:
		return "content policy violation"
	}
	return ""
}

// New starts a fake that accepts keys.
func New(keys Keys) *Server {
	s := &Server{keys: keys, now: time.Now, scripts: map[string]Outcome{}, jobs: map[string]*job{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// BaseURL is the base URL to configure provider name ("fal", "runway",
// "kling", "higgsfield") with.
func (s *Server) BaseURL(name string) string { return s.URL + "/" + name }

// Client is an HTTP client for the fake that, like Kaine's, never follows
// a redirect.
func (s *Server) Client() *http.Client {
	c := s.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// Script sets the outcome of jobs whose prompt is prompt; "" sets the
// outcome of every job without a script of its own.
func (s *Server) Script(prompt string, o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[prompt] = o
}

// SetClock sets the clock Kling tokens are checked against.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Calls returns the requests received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the requests received by one provider.
func (s *Server) CallsTo(provider string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Provider == provider {
			out = append(out, c)
		}
	}
	return out
}

// VideoURL is the URL the fake gives the video of provider's job id.
func VideoURL(provider, id string) string {
	host := map[string]string{
		"fal": "v3.fal.media/files", "runway": "dnznrvs05pmza.cloudfront.net", "kling": "cdn.klingai.com",
		"higgsfield": "cdn.higgsfield.ai",
	}[provider]
	return "https://" + host + "/fake/" + id + ".mp4"
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	provider, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	path := "/" + rest
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Provider: provider, Method: r.Method, Path: path, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	switch provider {
	case "fal":
		s.fal(w, r, segs, body)
	case "runway":
		s.runway(w, r, segs, body)
	case "kling":
		s.kling(w, r, segs, body)
	case "higgsfield":
		s.higgsfield(w, r, segs, body)
	default:
		http.NotFound(w, r)
	}
}

// newJob registers a job of provider for the prompt's script.
func (s *Server) newJob(provider, kind, model, prompt, external string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	o, ok := s.scripts[prompt]
	if !ok {
		o = s.scripts[""]
	}
	j := &job{provider: provider, id: fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq), kind: kind, model: model,
		external: external, outcome: o, created: s.now()}
	s.jobs[provider+" "+j.id] = j
	return j
}

// script is the outcome a new job with prompt would get, to refuse it
// before it exists.
func (s *Server) script(prompt string) Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.scripts[prompt]; ok {
		return o
	}
	return s.scripts[""]
}

// poll finds provider's job id and counts one poll of it.
func (s *Server) poll(provider, id string) (*job, stage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[provider+" "+id]
	if !ok {
		return nil, 0, false
	}
	return j, j.step(), true
}

// peek finds provider's job id without counting a poll.
func (s *Server) peek(provider, id string) (*job, stage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[provider+" "+id]
	if !ok {
		return nil, 0, false
	}
	return j, j.stage(), true
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// host is the scheme and host a request came to, for the URLs handed back.
func host(r *http.Request) string { return "http://" + r.Host }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// input parses a JSON object body.
func input(body []byte) (map[string]any, bool) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// text is a non-empty string field.
func text(in map[string]any, field string) (string, bool) {
	s, ok := in[field].(string)
	return s, ok && strings.TrimSpace(s) != ""
}

func stock(msg, fallback string) string {
	if msg != "" {
		return msg
	}
	return fallback
}
