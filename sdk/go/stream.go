package kaine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// LLMStream is a streamed POST /v1/llm call. Read it with Next and Delta
// until Next is false, then look at Err and Done; Close it when done (it
// closes itself once the stream has ended, so Close matters when you stop
// early):
//
//	stream, err := client.LLMStream(ctx, kaine.LLMParams{Prompt: "…"})
//	if err != nil {
//		return err // the call failed before any text: a *kaine.Error
//	}
//	defer stream.Close()
//	for stream.Next() {
//		fmt.Print(stream.Delta())
//	}
//	if err := stream.Err(); err != nil {
//		return err // an error event is a *kaine.Error
//	}
//	summary := stream.Done() // tokens, cost, provider, model; no Text
//
// Or with range: for d := range stream.Deltas() { … }, then Err and Done.
// A stream is read by one goroutine; Close may be called from any.
type LLMStream struct {
	resp      *http.Response
	reader    *bufio.Reader
	cancel    context.CancelCauseFunc
	ctx       context.Context
	timer     *time.Timer
	timeout   time.Duration
	requestID string

	delta   string
	text    strings.Builder
	done    *LLMAnswer
	err     error
	ended   bool
	pending *LLMAnswer // an answer that came as JSON: its text is the one delta

	closeOnce sync.Once
}

// errEventTimeout is the cause of a stream's context when no event came in
// time.
var errEventTimeout = errors.New("kaine: no stream event in time")

// LLMStream calls a model with "stream": true and returns the stream once
// it has started. A failure before the first text (a refused key, a full
// cap, every provider failing) is returned here as a *Error, retried as
// any POST (a 429 or a 503 store_unavailable); once the stream is under
// way nothing is retried. The client's timeout applies to the wait for the
// answer and then for each event.
func (c *Client) LLMStream(ctx context.Context, p LLMParams) (*LLMStream, error) {
	body, err := json.Marshal(struct {
		LLMParams
		Stream bool `json:"stream"`
	}{p, true})
	if err != nil {
		return nil, fmt.Errorf("kaine: encoding the POST /v1/llm body: %w", err)
	}
	r := request{method: http.MethodPost, path: "/v1/llm", body: body, accept: "text/event-stream"}
	a, err := c.openStreamed(ctx, r)
	if err != nil {
		return nil, err
	}
	a.timer.Reset(c.timeout) // the answer has started: a full wait for its first event
	resp := a.resp
	s := &LLMStream{resp: resp, reader: bufio.NewReader(resp.Body), cancel: a.cancel, ctx: a.ctx, timer: a.timer,
		timeout: c.timeout, requestID: resp.Header.Get("X-Request-Id")}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" {
		// A call that ended before any text is answered as JSON.
		data, err := io.ReadAll(resp.Body)
		s.closeOnce.Do(func() {
			a.timer.Stop()
			a.cancel(context.Canceled)
			resp.Body.Close()
		})
		if err != nil {
			return nil, fmt.Errorf("kaine: reading the answer of POST /v1/llm: %w", timeoutCause(a.ctx, err, c.timeout))
		}
		var answer LLMAnswer
		if err := json.Unmarshal(data, &answer); err != nil {
			return nil, fmt.Errorf("kaine: decoding the answer of POST /v1/llm (request %s): %w", s.requestID, err)
		}
		s.pending = &answer
	}
	return s, nil
}

// streamedAnswer is a 2xx answer whose body is read as it comes. Its
// context ends when the caller's does, when timer fires (cause
// errEventTimeout) or when it is closed.
type streamedAnswer struct {
	resp    *http.Response
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer // stopped when openStreamed returns
	timeout time.Duration
}

// openStreamed sends r with the retries of its method and returns the
// answer once its headers came, its body unread. An error answer is read
// and returned as a *Error (retried like any other); once a 2xx answer
// has come nothing is retried, so a body is never read twice or resumed.
// The client's timeout bounds the wait for the headers.
func (c *Client) openStreamed(ctx context.Context, r request) (*streamedAnswer, error) {
	var out *streamedAnswer
	err := c.retry(ctx, r.method, func() error {
		sctx, cancel := context.WithCancelCause(ctx)
		timer := time.AfterFunc(c.timeout, func() { cancel(errEventTimeout) })
		fail := func(err error) error {
			timer.Stop()
			cancel(context.Canceled)
			return err
		}
		req, err := c.newRequest(sctx, r)
		if err != nil {
			return fail(err)
		}
		resp, err := c.httpClient.Do(req)
		if err != nil {
			return fail(&transportError{timeoutCause(sctx, err, c.timeout)})
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			data, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr != nil {
				return fail(&transportError{timeoutCause(sctx, rerr, c.timeout)})
			}
			return fail(errorFromResponse(resp, data))
		}
		timer.Stop()
		out = &streamedAnswer{resp: resp, ctx: sctx, cancel: cancel, timer: timer, timeout: c.timeout}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Read reads the body, each wait for it bounded by the client's timeout
// (the time the reader spends between reads is not counted).
func (a *streamedAnswer) Read(p []byte) (int, error) {
	a.timer.Reset(a.timeout)
	n, err := a.resp.Body.Read(p)
	a.timer.Stop()
	return n, err
}

// readError says why the body could not be read to its end: a wait past
// the timeout, the answer closed, the caller's context, the body ended
// (io.ErrUnexpectedEOF) or the connection.
func (a *streamedAnswer) readError(err error) error {
	switch cause := context.Cause(a.ctx); {
	case cause == errEventTimeout:
		return fmt.Errorf("no data within %s: %w", a.timeout, context.DeadlineExceeded)
	case cause == errClosed:
		return errClosed
	case cause != nil:
		return cause
	case err == io.EOF:
		return io.ErrUnexpectedEOF
	}
	return err
}

// close ends the answer's context with cause and lets its connection go.
func (a *streamedAnswer) close(cause error) {
	a.timer.Stop()
	a.cancel(cause)
	a.resp.Body.Close()
}

// timeoutCause puts a read failure caused by the event timer in words.
func timeoutCause(ctx context.Context, err error, timeout time.Duration) error {
	if context.Cause(ctx) == errEventTimeout {
		return fmt.Errorf("kaine: no answer or stream event within %s: %w", timeout, context.DeadlineExceeded)
	}
	return err
}

// Next waits for the next text delta; false once the stream has ended,
// with its done summary (Done) or a failure (Err).
func (s *LLMStream) Next() bool {
	s.delta = ""
	if s.ended {
		return false
	}
	if s.pending != nil {
		answer := *s.pending
		s.pending = nil
		s.done = &answer
		if answer.Text != "" {
			s.delta = answer.Text
			s.text.WriteString(answer.Text)
			return true
		}
		s.end(nil)
		return false
	}
	if s.done != nil { // the JSON answer's text was the one delta
		s.end(nil)
		return false
	}
	for {
		name, data, err := s.readEvent()
		if err != nil {
			s.end(err)
			return false
		}
		s.timer.Reset(s.timeout)
		switch name {
		case "delta":
			var d struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				s.end(fmt.Errorf("kaine: a delta event that is not JSON (request %s): %w", s.requestID, err))
				return false
			}
			if d.Text == "" {
				continue
			}
			s.delta = d.Text
			s.text.WriteString(d.Text)
			return true
		case "done":
			var answer LLMAnswer
			if err := json.Unmarshal(data, &answer); err != nil {
				s.end(fmt.Errorf("kaine: a done event that is not JSON (request %s): %w", s.requestID, err))
				return false
			}
			s.done = &answer
			s.end(nil)
			return false
		case "error":
			s.end(errorFromEvent(data, s.requestID))
			return false
		}
		// Any other event is not this stream's: skipped.
	}
}

// readEvent reads the next server-sent event: its name ("message" when it
// has none) and its data lines joined by newlines.
func (s *LLMStream) readEvent() (string, []byte, error) {
	name := ""
	var data []byte
	hasData := false
	for {
		line, err := s.reader.ReadBytes('\n')
		if err != nil && (err != io.EOF || len(line) == 0) {
			return "", nil, s.readError(err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if hasData || name != "" {
				if name == "" {
					name = "message"
				}
				return name, data, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // a comment
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			name = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		}
	}
}

// readError says why the stream could not be read further.
func (s *LLMStream) readError(err error) error {
	switch cause := context.Cause(s.ctx); {
	case cause == errEventTimeout:
		return fmt.Errorf("kaine: no stream event within %s (request %s): %w", s.timeout, s.requestID, context.DeadlineExceeded)
	case cause == errClosed:
		return errClosed
	case cause != nil: // the caller's context ended
		return fmt.Errorf("kaine: reading the stream (request %s): %w", s.requestID, cause)
	case err == io.EOF:
		return fmt.Errorf("kaine: the stream ended before its done event (request %s): %w", s.requestID, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("kaine: reading the stream (request %s): %w", s.requestID, err)
}

// end ends the stream with its outcome and lets its connection go.
func (s *LLMStream) end(err error) {
	s.ended = true
	s.err = err
	s.closeOnce.Do(func() {
		s.timer.Stop()
		s.cancel(context.Canceled)
		s.resp.Body.Close()
	})
}

// Delta is the text Next just read.
func (s *LLMStream) Delta() string { return s.delta }

// Text is every delta read so far, joined.
func (s *LLMStream) Text() string { return s.text.String() }

// Done is the stream's summary once Next has returned false without an
// error: provider, model, upstream model, tokens and cost (its Text is
// empty, the text having come as deltas; see Text). Nil before the end or
// after a failure.
func (s *LLMStream) Done() *LLMAnswer {
	if !s.ended || s.err != nil {
		return nil
	}
	return s.done
}

// Err is why the stream failed: a *Error for an error event, else a read
// failure or the context's error. Nil while it goes and after its done
// event.
func (s *LLMStream) Err() error { return s.err }

// RequestID is the call's X-Request-Id.
func (s *LLMStream) RequestID() string { return s.requestID }

// Deltas ranges over the text deltas: for d := range stream.Deltas() {…}.
// Check Err and Done after the loop.
func (s *LLMStream) Deltas() iter.Seq[string] {
	return func(yield func(string) bool) {
		for s.Next() {
			if !yield(s.Delta()) {
				return
			}
		}
	}
}

// Close stops the stream and releases its connection; safe to call more
// than once, after the stream ended, and from another goroutine than the
// one reading it. A stream closed before its end then ends with an error
// from Next (Err says it was closed).
func (s *LLMStream) Close() error {
	s.closeOnce.Do(func() {
		s.timer.Stop()
		s.cancel(errClosed)
		s.resp.Body.Close()
	})
	return nil
}

// errClosed is Err of a stream closed before its end.
var errClosed = errors.New("kaine: the stream was closed before its end")
