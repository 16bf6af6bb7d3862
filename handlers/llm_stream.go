package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/keinetech/kaine/internal/jsonstr"
	"github.com/keinetech/kaine/routing"
)

// llmEvents writes a POST /v1/llm stream:
//
//	event: delta   data: {"text":"…"}            one per text delta, as it arrives
//	event: done    data: {"ok":true,"provider",…} last, with tokens and cost
//	event: error   data: {"detail":{…}}           last, when the call failed mid-way
//
// The cost and the gateway's overhead also come as the trailers
// X-Kaine-Cost-USD and X-Kaine-Overhead-Ms. A call that ends before any
// text is answered as JSON, as without stream.
type llmEvents struct{}

// Delta writes a text delta; thinking and tool calls are not part of this
// stream.
func (llmEvents) Delta(dst []byte, d routing.Delta) []byte {
	if d.Text == "" {
		return dst
	}
	dst = append(dst, "event: delta\ndata: {\"text\":"...)
	dst = jsonstr.Append(dst, d.Text)
	return append(dst, "}\n\n"...)
}

// End writes the done event: the answer's summary, its text left out (it
// came delta by delta).
func (llmEvents) End(dst []byte, out routing.Outcome) []byte {
	summary := llmAnswerOf(out)
	summary.Text = ""
	done, _ := json.Marshal(summary) // strings and numbers always encode
	return event(dst, "done", done)
}

func (llmEvents) Error(dst, body []byte) []byte { return event(dst, "error", body) }

func event(dst []byte, name string, data []byte) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, "\ndata: "...)
	dst = append(dst, data...)
	return append(dst, "\n\n"...)
}

// llmStream runs a streaming /v1/llm call.
func (a *API) llmStream(w http.ResponseWriter, r *http.Request, call *Call, plan *routing.Plan) {
	a.streamCall(w, r, call, plan, llmEvents{}, nil, func(out routing.Outcome) {
		WriteJSON(w, http.StatusOK, llmAnswerOf(out))
	})
}
