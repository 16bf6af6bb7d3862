package fakeupstream

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"

	"github.com/tidwall/gjson"
)

// protocol is one provider's side of the fake.
type protocol interface {
	// check validates a request as the provider does.
	check(s *Server, r *http.Request, body []byte) (call, *apiError)
	// errorBody is the provider's error JSON; it fills in a default type.
	errorBody(e apiError) any
	// answer is the non-streaming answer.
	answer(c call, reply Reply) any
	// stream writes the streamed answer in the provider's framing.
	stream(st *streamer, c call)
	// eol is the end of line of the provider's SSE framing.
	eol() string
	// callID is the id of the fake's n-th made-up tool call, in the
	// provider's style; empty for a provider that gives none.
	callID(n int64) string
}

// call is what the fake needs to know of a checked request.
type call struct {
	model           string
	stream          bool
	includeUsage    bool // OpenAI stream_options.include_usage
	includeThoughts bool // Gemini thinkingConfig.includeThoughts
	choices         int  // OpenAI n, Gemini candidateCount; 0 when not asked
}

// answers is how many choices or candidates the call asked for.
func (c call) answers() int { return max(c.choices, 1) }

// apiError is an error answer before it takes the protocol's shape.
type apiError struct {
	Status  int
	Type    string
	Message string
	Reason  string // Gemini details reason
	Param   string // OpenAI error.param
}

// parseBody checks that a request body is a JSON object, as every
// provider does first.
func parseBody(body []byte) (gjson.Result, bool) {
	if !gjson.ValidBytes(body) {
		return gjson.Result{}, false
	}
	v := gjson.ParseBytes(body)
	return v, v.IsObject()
}

// unknownField returns the first key of obj not in known, the way the
// providers refuse a misspelt parameter.
func unknownField(obj gjson.Result, known map[string]bool) string {
	unknown := ""
	obj.ForEach(func(k, _ gjson.Result) bool {
		if !known[k.Str] {
			unknown = k.Str
			return false
		}
		return true
	})
	return unknown
}

func setOf(keys ...string) map[string]bool {
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	return set
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic("fakeupstream: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// streamer writes one streamed answer: each event flushed on its own, the
// reply's chunks counted for its pause and cut.
type streamer struct {
	s     *Server
	ctx   context.Context
	w     http.ResponseWriter
	rc    *http.ResponseController
	reply Reply
	eol   string
	sent  int // chunks sent so far
}

// event writes a named event (no name for data-only streams) and flushes.
func (st *streamer) event(name string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic("fakeupstream: " + err.Error())
	}
	if name != "" {
		io.WriteString(st.w, "event: "+name+st.eol)
	}
	st.data(string(data))
}

// data writes one data line as is, ends the event and flushes.
func (st *streamer) data(line string) {
	io.WriteString(st.w, "data: "+line+st.eol+st.eol)
	st.rc.Flush()
}

// chunk writes an event that carries a piece of the answer (see
// Reply.Gate), first pausing or cutting there when the reply says so. It
// reports false when the stream must stop: the connection was cut or the
// client went away.
func (st *streamer) chunk(name string, v any) bool {
	if !st.hold() {
		return false
	}
	st.event(name, v)
	st.sent++
	return true
}

// end is the pause or cut after the last chunk, before the stream's end
// events; false when the stream must stop.
func (st *streamer) end() bool { return st.hold() }

// hold pauses or cuts the stream when the chunks sent are where the reply
// says.
func (st *streamer) hold() bool {
	if st.reply.Gate != nil && st.sent == st.reply.PauseAfter && !st.s.await(st.ctx, st.reply.Gate) {
		return false
	}
	if st.reply.CutAfter > 0 && st.sent == st.reply.CutAfter {
		st.cut()
		return false
	}
	return true
}

// cut closes the connection in the middle of the answer: the client sees
// the body end without the chunked encoding's last chunk.
func (st *streamer) cut() {
	conn, _, err := st.rc.Hijack()
	if err != nil {
		panic("fakeupstream: cutting the stream: " + err.Error())
	}
	conn.Close()
}

// errorMessage is the reply's error message, or text for its status.
func errorMessage(msg string, status int) string {
	if msg != "" {
		return msg
	}
	if status == 0 {
		return "Internal server error"
	}
	return http.StatusText(status)
}

// signature is what the fake signs thinking with, so that it can tell a
// replayed thought it made from one altered or made up.
func signature(kind, text string) string {
	sum := sha256.Sum256([]byte("fakeupstream " + kind + ":" + text))
	return base64.StdEncoding.EncodeToString(sum[:])
}
