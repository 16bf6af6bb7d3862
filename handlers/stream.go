package handlers

import (
	"net/http"
	"time"

	"github.com/keinetech/kaine/routing"
)

// streamWriter writes one endpoint's stream: the events of each piece of
// the answer (none for a piece its stream does not carry), of its end, and
// of a failure once started.
type streamWriter interface {
	Delta(dst []byte, d routing.Delta) []byte
	End(dst []byte, out routing.Outcome) []byte
	Error(dst, body []byte) []byte
}

// streamCall runs a streamed call. Until the first event nothing is sent,
// so the router may still fail over and a failure is a plain error the
// client raises; after it, a failure ends the stream with an error event.
// A call that succeeds without an event is answered by unstarted, or,
// when it is nil, as a stream of the answer's end alone. words puts the
// errors in the endpoint's terms (nil: as they are).
func (a *API) streamCall(w http.ResponseWriter, r *http.Request, call *Call, plan *routing.Plan, stream streamWriter,
	words func(string) string, unstarted func(routing.Outcome)) {
	rc := http.NewResponseController(w)
	started := false
	var buf []byte
	held := false // written, not yet flushed
	send := func(d routing.Delta) error {
		if !d.Flush {
			buf = stream.Delta(buf[:0], d)
			if len(buf) > 0 {
				if !started {
					started = true
					startStream(w, d)
				}
				if _, err := w.Write(buf); err != nil {
					return err
				}
				held = true
			}
		}
		// More follows at once: one flush for the burst. A Flush says the
		// pieces so far are all that has arrived.
		if !held || d.More {
			return nil
		}
		held = false
		return rc.Flush()
	}
	out, err := a.LLM.Do(r.Context(), plan, send)
	a.settleLLM(call, plan, out, err)
	var failure *apiError
	if err != nil {
		failure = callError(err)
		if words != nil {
			failure.message = words(failure.message)
		}
	}
	switch {
	case !started && err != nil:
		setLLMHeaders(w.Header(), out, call)
		a.Errors.Send(w, failure)
		return
	case !started && unstarted != nil:
		setLLMHeaders(w.Header(), out, call)
		unstarted(out)
		return
	case !started: // an answer with no piece to stream: a refusal alone
		startStream(w, routing.Delta{Provider: out.Provider, Model: out.Model})
		w.Write(stream.Delta(buf[:0], routing.Delta{Provider: out.Provider, Model: out.Model}))
	}
	h := w.Header() // trailers, declared in startStream
	h.Set("X-Kaine-Cost-USD", out.Cost.String())
	h.Set("X-Kaine-Overhead-Ms", overheadMS(call, out.Upstream))
	if err != nil {
		a.Errors.report(w, failure)
		buf = stream.Error(buf[:0], a.Errors.Body(w, failure.code, failure.message))
	} else {
		buf = stream.End(buf[:0], out)
	}
	w.Write(buf)
	rc.Flush()
}

func startStream(w http.ResponseWriter, d routing.Delta) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // tell proxies in front not to buffer
	h.Set("X-Kaine-Provider", d.Provider)
	h.Set("X-Kaine-Model", d.Model.Alias)
	setDeprecation(h, d.Model, time.Now())
	h.Set("Trailer", "X-Kaine-Cost-USD, X-Kaine-Overhead-Ms")
	w.WriteHeader(http.StatusOK)
}
