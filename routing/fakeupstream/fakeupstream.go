// Package fakeupstream is a faithful fake of the three provider APIs Kaine
// calls (Anthropic Messages, Gemini generateContent, OpenAI Chat
// Completions) on one httptest.Server, for tests in any package. It checks
// requests as the real providers do (unknown fields, the shapes of
// parameters, tool choices, images, response formats and thinking
// settings, each refused with the provider's own 400), answers in their
// exact JSON and SSE framing, and plays failures: error statuses, delays,
// hangs, streams that pause, break off or carry an error event. Scripted
// replies with tool calls and thinking drive an agent loop through any
// protocol, streamed or not: the fake checks each next request the way its
// provider would (every call answered, thinking blocks and thought
// signatures unaltered), and Bodies reads back what each protocol was sent.
package fakeupstream

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Server is the fake. Anthropic is served at POST /v1/messages, Gemini at
// POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent?alt=sse, OpenAI at POST /v1/chat/completions and
// POST /v1/responses; embeddings at OpenAI's POST /v1/embeddings and
// Gemini's :embedContent and :batchEmbedContents; token counts at
// Anthropic's POST /v1/messages/count_tokens and Gemini's :countTokens;
// model lists at GET /v1/models and /v1beta/models.
//
// Set the exported options before the first call.
type Server struct {
	// URL is the host root: the base URL for Anthropic and Gemini; OpenAI's
	// is URL + "/v1".
	URL string
	// KeyOptional lets OpenAI calls come without Authorization, as a local
	// server (Ollama, vLLM) does.
	KeyOptional bool
	// RejectTemperature refuses any temperature for these model ids with
	// the provider's 400, as newer models do.
	RejectTemperature map[string]bool
	// RejectMaxTokens refuses max_tokens for these OpenAI model ids with
	// OpenAI's 400, as the GPT-5 family does.
	RejectMaxTokens map[string]bool
	// RequireThoughtSignatures refuses a Gemini model turn whose first
	// function call has no thought signature, as Gemini 3 models do.
	RequireThoughtSignatures bool
	// ListedModels are the ids the model lists (GET /v1/models,
	// /v1beta/models) hold. Default: DefaultListedModels.
	ListedModels []string

	srv       *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once
	opts      Options // Serve's; New's are the zero Options

	mu       sync.Mutex
	fallback Reply
	queue    []Reply
	received []Received
	billed   []Usage
	open     atomic.Int64
	callIDs  atomic.Int64 // numbers the tool calls the fake makes up ids for
	lists    atomic.Int64 // model list pages served
}

// Reply is what a call gets. The zero Reply is a 200 with no text.
type Reply struct {
	// Text is the answer. A stream sends it in Chunks, or else split per
	// word with the spaces kept, so the chunks join back to Text.
	Text   string
	Chunks []string
	// Candidates are the answers after the first, for a call that asks
	// for several (OpenAI n, Gemini candidateCount): choice i > 0 is
	// Candidates[i-1], or Text again when there are too few. They are text
	// only, and end as Finish says or normally. Anthropic answers one.
	Candidates []string
	// Refusal, when set, is the answer in place of Text and ToolCalls:
	// OpenAI's message.refusal with content null (finish_reason stop),
	// Anthropic's text with stop_reason refusal, and Gemini's candidate
	// without content, finishReason SAFETY.
	Refusal string
	// StopSequence is the stop sequence the answer ended on: Anthropic's
	// stop_reason stop_sequence with stop_sequence set; OpenAI finishes
	// stop and Gemini STOP, as they do.
	StopSequence string
	// ToolCalls are tools the model asks to run, answered in each
	// protocol's own shape: Anthropic tool_use blocks (stop_reason
	// tool_use), Gemini functionCall parts (the first with a thought
	// signature, as Gemini 3 sends it), OpenAI tool_calls (finish_reason
	// tool_calls). Chat Completions, Messages and generateContent answer
	// them, streamed or not: Anthropic streams each call's input and OpenAI
	// its arguments in fragments, Gemini sends its calls whole in one
	// event. The Responses API answers the text only.
	ToolCalls []ToolCall
	// Thinking is the model's visible thinking, streamed or not: an
	// Anthropic thinking block with a signature the fake checks when it is
	// replayed; a Gemini thought part, only when the request's
	// thinkingConfig.includeThoughts is true, as the API sends thought
	// summaries only then. OpenAI keeps reasoning hidden; count it in
	// Usage.Thoughts.
	Thinking string
	// Finish is the finish reason; default each protocol's normal end
	// (end_turn, tool_use, stop_sequence or refusal; STOP or SAFETY; stop
	// or tool_calls).
	Finish string
	Usage  Usage
	// Model is the model id reported; default the one requested.
	Model string

	// Status, when not 2xx, answers an error in the protocol's shape, with
	// ErrorType (Anthropic error.type, Gemini error.status, OpenAI
	// error.code; default the provider's for the status) and ErrorMessage.
	Status       int
	ErrorType    string
	ErrorMessage string
	// ErrorReason is Gemini's details[].reason, e.g. API_KEY_INVALID.
	ErrorReason string
	// RetryAfter is sent verbatim as the Retry-After header.
	RetryAfter string

	// Delay holds the answer back before its headers.
	Delay time.Duration
	// Hang never answers: the handler waits for the client to go away.
	Hang bool
	// Garbage answers 200 with a body that is not JSON, or a stream whose
	// events are not.
	Garbage bool
	// NoUsage leaves usage out, as some OpenAI-compatible servers do.
	NoUsage bool

	// Gate, when set, pauses a stream after PauseAfter chunks until it is
	// closed, so a test can see a delta arrive before the answer ends.
	// A chunk is an event that carries a piece of the answer: Anthropic's
	// content_block_delta events (thinking, its signature, text, a call's
	// input fragments); OpenAI's chunks between a choice's role and its
	// finish (text or refusal, a call's start, its argument fragments);
	// every Gemini event. For a reply of text only, the chunks are Chunks.
	Gate       chan struct{}
	PauseAfter int
	// CutAfter, when above 0, closes the connection after that many
	// chunks, without ending the stream.
	CutAfter int
	// StreamError sends an error event of this type after the chunks (with
	// ErrorMessage), and ends the stream without its normal end.
	StreamError string
}

// Usage is what a reply reports, in the fake's terms; each protocol maps it
// to its own fields the way the provider counts.
type Usage struct {
	InputTokens  int // fresh prompt tokens, cache excluded
	OutputTokens int // visible output tokens
	CacheRead    int // prompt tokens read from the cache
	CacheWrite   int // prompt tokens written to the cache (Anthropic 5-minute)
	CacheWrite1h int // prompt tokens written to Anthropic's 1-hour cache
	Thoughts     int // thinking/reasoning tokens, billed as output (OpenAI reasoning_tokens)
}

// ToolCall is a tool call in a scripted reply.
type ToolCall struct {
	// ID is the call's id. Default: one made up, unique in the fake
	// (toolu_fake_1, call_fake_2); Gemini calls get none, as Gemini 2.5
	// sends them.
	ID   string
	Name string
	// Input is the call's arguments, a JSON object. Default: {}.
	Input json.RawMessage
}

// input is the call's arguments, {} when none were given.
func (c ToolCall) input() json.RawMessage {
	if len(c.Input) == 0 {
		return json.RawMessage(`{}`)
	}
	return c.Input
}

// Received is one request the fake got.
type Received struct {
	// Protocol is the API the path belongs to: anthropic, gemini, openai
	// (Chat Completions), responses; count_tokens (Anthropic's) and
	// gemini_count_tokens for the token counters, which are recorded but
	// take no reply from the queue; empty for a path the fake does not
	// serve.
	Protocol string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// New starts a fake; Close it when done.
func New() *Server {
	s := &Server{closing: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the fake, ending hung and paused answers first. Closing
// twice is harmless.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
}

// Default sets the reply for calls once the queue is empty.
func (s *Server) Default(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = r
}

// Enqueue queues replies for the next calls, in order, before the default:
// the script of an agent loop (tool calls, then a final text), whatever
// the protocols the calls go to. Only calls that pass the fake's checks
// take one.
func (s *Server) Enqueue(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Bodies returns the bodies of the requests received for one protocol
// (see Received.Protocol), in order, checked or refused.
func (s *Server) Bodies(protocol string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var bodies [][]byte
	for _, r := range s.received {
		if r.Protocol == protocol {
			bodies = append(bodies, r.Body)
		}
	}
	return bodies
}

// Open is how many requests are being answered right now: a test can see
// a cancelled client's request end upstream.
func (s *Server) Open() int { return int(s.open.Load()) }

// Calls is how many requests were received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.received)
}

// RefusedURL returns an http URL on which nothing listens: a provider that
// is down.
func RefusedURL() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("fakeupstream: " + err.Error())
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// next is the reply to a checked call: Respond's when set, else the
// queue's first, else the default.
func (s *Server) next(got Received) Reply {
	if s.opts.Respond != nil {
		return s.opts.Respond(got)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return s.fallback
	}
	r := s.queue[0]
	s.queue = s.queue[1:]
	return r
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.open.Add(1)
	defer s.open.Add(-1)
	if r.Method == http.MethodGet && (r.URL.Path == "/v1/models" || r.URL.Path == "/v1beta/models") {
		// Not a call: the gateway lists models on its own, at start.
		s.lists.Add(1)
		s.serveModelList(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var p protocol
	name := ""
	switch path := r.URL.Path; {
	case path == "/v1/messages/count_tokens":
		name = "count_tokens"
	case path == "/v1/messages":
		p, name = anthropicAPI{}, "anthropic"
	case path == "/v1/chat/completions":
		p, name = openAIAPI{}, "openai"
	case path == "/v1/responses":
		p, name = responsesAPI{}, "responses"
	case strings.HasPrefix(path, "/v1beta/models/") && strings.HasSuffix(path, ":countTokens"):
		name = "gemini_count_tokens"
	case strings.HasPrefix(path, "/v1beta/models/"):
		p, name = geminiAPI{}, "gemini"
	}
	got := Received{Protocol: name, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	if !s.opts.Forget {
		s.mu.Lock()
		s.received = append(s.received, got)
		s.mu.Unlock()
	}

	if r.Method == http.MethodPost && s.serveEmbeddings(w, r, body) {
		return
	}
	switch {
	case (name == "count_tokens" || name == "gemini_count_tokens") && r.Method == http.MethodPost:
		s.serveCountTokens(w, r, name, body)
		return
	case p == nil:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	c, refusal := p.check(s, r, body)
	if refusal != nil {
		writeJSON(w, refusal.Status, p.errorBody(*refusal))
		return
	}
	s.answer(w, r, p, c, s.next(got))
}

// answer plays a reply for a checked call.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, p protocol, c call, reply Reply) {
	if reply.Hang {
		s.await(r.Context(), nil)
		return
	}
	if reply.Delay > 0 && !s.sleep(r.Context(), reply.Delay) {
		return
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Model == "" {
		reply.Model = c.model
	}
	if reply.Refusal != "" {
		reply.ToolCalls = nil // a refusal makes no calls, in any protocol
	}
	// Made-up ids go on a copy: the default reply is served again.
	reply.ToolCalls = slices.Clone(reply.ToolCalls)
	for i := range reply.ToolCalls {
		if reply.ToolCalls[i].ID == "" {
			reply.ToolCalls[i].ID = p.callID(s.callIDs.Add(1))
		}
	}
	switch {
	case reply.Status != 0 && (reply.Status < 200 || reply.Status > 299):
		writeJSON(w, reply.Status, p.errorBody(apiError{Status: reply.Status, Type: reply.ErrorType, Message: reply.ErrorMessage, Reason: reply.ErrorReason}))
	case c.stream:
		st := &streamer{s: s, ctx: r.Context(), w: w, rc: http.NewResponseController(w), reply: reply, eol: p.eol()}
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		if reply.Garbage {
			st.data(`{"candidates": [{"content": `)
			return
		}
		p.stream(st, c)
	case reply.Garbage:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": "cut-off`)
	default:
		writeJSON(w, http.StatusOK, p.answer(c, reply))
		if !reply.NoUsage {
			s.mu.Lock()
			s.billed = append(s.billed, reply.Usage)
			s.mu.Unlock()
		}
	}
}

// Billed returns the usage of every whole answer the fake sent (not
// streamed), in the order sent: what a provider bills. A call the client
// gave up on while the answer was held back (Delay, Hang) is not billed.
func (s *Server) Billed() []Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.billed)
}

// await blocks until ch is closed (never, for nil), the client goes away
// or the fake closes; it reports whether ch was closed.
func (s *Server) await(ctx context.Context, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// sleep waits d unless the client goes away or the fake closes first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// chunks is the reply's text as a stream sends it.
func (r Reply) chunks() []string {
	if len(r.Chunks) > 0 {
		return r.Chunks
	}
	return words(r.Text)
}

// words splits text into chunks of the spaces before a word and the word,
// so that they join back to text.
func words(text string) []string {
	var chunks []string
	for text != "" {
		start := len(text) - len(strings.TrimLeft(text, " "))
		end := strings.IndexByte(text[start:], ' ')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		chunks = append(chunks, text[:end])
		text = text[end:]
	}
	return chunks
}

// halves splits a call's JSON arguments in two at a character boundary:
// the providers stream them in fragments that only parse once joined.
func halves(js string) []string {
	mid := len(js) / 2
	for mid < len(js) && !utf8.RuneStart(js[mid]) {
		mid++
	}
	return []string{js[:mid], js[mid:]}
}

// choice is what the i-th choice (OpenAI) or candidate (Gemini) of an
// answer holds: the reply itself first, then the Candidates' texts.
func (r Reply) choice(i int) Reply {
	if i == 0 {
		return r
	}
	text := r.text()
	if i-1 < len(r.Candidates) {
		text = r.Candidates[i-1]
	}
	return Reply{Text: text, Finish: r.Finish}
}

// text is the whole answer of a non-streaming reply.
func (r Reply) text() string {
	if r.Text == "" {
		return strings.Join(r.Chunks, "")
	}
	return r.Text
}
