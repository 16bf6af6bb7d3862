package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// eventHandler takes one event of a streamed answer; done reports the
// protocol's end of answer.
type eventHandler func(ev sseEvent) (done bool, err error)

// readEvents hands each event of a streamed answer to handle until it
// reports the end, fails, or the stream ends. A stream that just ends is
// not an error here: only the protocol knows whether its end was reached.
// The response body is closed on return, which also aborts the read when
// handle gives up early.
func readEvents(ctx context.Context, resp *http.Response, handle eventHandler) error {
	defer resp.Body.Close()
	events := newSSEReader(resp.Body)
	for {
		ev, err := events.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, errSSETooLarge):
			return invalidAnswer(resp.StatusCode, err.Error())
		case err != nil:
			return transportError(ctx, fmt.Errorf("reading the stream: %w", err))
		}
		done, err := handle(ev)
		if err != nil || done {
			return err
		}
	}
}

// jsonEvent parses an event's data, which every protocol sends as JSON.
func jsonEvent(ev sseEvent) (gjson.Result, error) {
	if !gjson.ValidBytes(ev.Data) {
		return gjson.Result{}, invalidAnswer(http.StatusOK, "a stream event is not JSON")
	}
	return gjson.ParseBytes(ev.Data), nil
}

// streamedAnswer gathers a stream's text and result as they arrive, so a
// failed stream still returns what was seen.
type streamedAnswer struct {
	text    strings.Builder
	res     Result
	onChunk func(Chunk) error
}

func newStreamedAnswer(model *Model, onChunk func(Chunk) error) *streamedAnswer {
	return &streamedAnswer{res: Result{Model: model.ID}, onChunk: onChunk}
}

// delta passes a piece of text on; the caller's error is returned as is so
// the router can tell its own error from the provider's.
func (a *streamedAnswer) delta(text string) error {
	if text == "" {
		return nil
	}
	a.text.WriteString(text)
	return a.onChunk(Chunk{Text: text})
}

// result is the answer so far.
func (a *streamedAnswer) result() Result {
	res := a.res
	res.Text = a.text.String()
	return res
}
