package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/keinetech/kaine/routing"
)

// The events of a POST /v1/llm stream:
//
//	event: delta   data: {"text":"…"}            one per text delta, as it arrives
//	event: done    data: {"ok":true,"provider",…} last, with tokens and cost
//	event: error   data: {"detail":{…}}           last, when the call failed mid-way
//
// The cost and the gateway's overhead also come as the trailers
// X-Kaine-Cost-USD and X-Kaine-Overhead-Ms.

// llmStream runs a streaming call. Until the first delta nothing is sent,
// so the router may still fail over and a failure is a plain JSON error;
// after it, a failure ends the stream with an error event.
func (a *API) llmStream(w http.ResponseWriter, r *http.Request, call *Call, plan *routing.Plan) {
	rc := http.NewResponseController(w)
	started := false
	var event []byte
	out, err := a.LLM.Do(r.Context(), plan, func(d routing.Delta) error {
		if d.Text == "" { // thinking and tool calls are not part of this stream
			return nil
		}
		if !started {
			started = true
			startStream(w, d)
		}
		text, _ := json.Marshal(d.Text) // a string always encodes
		event = append(append(append(event[:0], "event: delta\ndata: {\"text\":"...), text...), "}\n\n"...)
		if _, err := w.Write(event); err != nil {
			return err
		}
		return rc.Flush()
	})
	a.settleLLM(call, plan, out, err)
	if !started {
		setLLMHeaders(w.Header(), out, call)
		if err != nil {
			a.writeCallError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, llmAnswerOf(out))
		return
	}
	h := w.Header() // trailers, declared in startStream
	h.Set("X-Kaine-Cost-USD", out.Cost.String())
	h.Set("X-Kaine-Overhead-Ms", overheadMS(call, out))
	if err != nil {
		code, message := callError(err)
		writeEvent(w, rc, "error", a.Errors.Body(w, code, message))
		return
	}
	summary := llmAnswerOf(out)
	summary.Text = "" // already streamed, delta by delta
	done, _ := json.Marshal(summary)
	writeEvent(w, rc, "done", done)
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

func writeEvent(w http.ResponseWriter, rc *http.ResponseController, name string, data []byte) {
	w.Write([]byte("event: " + name + "\ndata: "))
	w.Write(data)
	w.Write([]byte("\n\n"))
	rc.Flush()
}
