package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// eventHandler takes one event of a streamed answer; done reports the
// protocol's end of answer.
type eventHandler func(ev sseEvent) (done bool, err error)

// streamEvents sends a streamed call with send and hands each event of its
// answer to handle until it reports the end, fails, or the stream ends. A
// stream that just ends is not an error here: only the protocol knows
// whether its end was reached. The response body is closed on return,
// which also aborts the read when handle gives up early; after the
// protocol's end, what is left of the body is read first (see
// finishEnded).
//
// The pieces an event yields are marked More while more whole events have
// already arrived, and a Flush follows a burst whose last event (or the
// answer's end) yields none: a burst goes out in one write, as
// reverse_proxy sends what one read brought, and no piece waits for one
// still on its way.
func streamEvents(ctx context.Context, send func(context.Context) (*http.Response, error), a *streamedAnswer, handle eventHandler) error {
	// The request has a context of its own, so that finishEnded can give
	// it up without ending the call.
	ctx, abandon := context.WithCancel(ctx)
	defer abandon()
	resp, err := send(ctx)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	events := newSSEReader(resp.Body)
	defer events.release()
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
		a.more = events.wholeEventBuffered()
		done, err := handle(ev)
		if err != nil {
			return err
		}
		if done || !a.more {
			if err := a.flushHeld(); err != nil || done {
				if done {
					finishEnded(resp.Body, abandon)
				}
				return err
			}
		}
	}
}

// Bounds on what finishEnded waits for.
const (
	endWait     = 100 * time.Millisecond
	maxEndBytes = 64 << 10
)

// finishEnded reads what is left of an answer after its protocol's end
// (an [DONE], a message_stop): over HTTP/1.1 the chunked body's last line,
// which follows at once. A body closed before its end closes its
// connection, and the provider's next call would pay a new one, a TCP and
// TLS handshake. A server that sends more than maxEndBytes after the end,
// or holds the answer open past endWait, is given up on.
func finishEnded(body io.Reader, abandon context.CancelFunc) {
	giveUp := time.AfterFunc(endWait, abandon)
	defer giveUp.Stop()
	io.Copy(io.Discard, io.LimitReader(body, maxEndBytes))
}

// jsonEvent parses an event's data, which every protocol sends as JSON.
func jsonEvent(ev sseEvent) (gjson.Result, error) {
	if !gjson.ValidBytes(ev.Data) {
		return gjson.Result{}, invalidAnswer(http.StatusOK, "a stream event is not JSON")
	}
	return gjson.ParseBytes(ev.Data), nil
}

// streamedAnswer gathers a stream's answer as it arrives, handing each
// piece on as a Chunk, so that a failed stream still returns what was seen
// and a finished one its whole answer: text, thinking blocks and complete
// tool calls.
type streamedAnswer struct {
	res     Result
	onChunk func(Chunk) error
	text    strings.Builder
	// thinking is the text of the open thinking block, the last of
	// res.Thinking, while thinkingOpen.
	thinking     strings.Builder
	thinkingOpen bool
	calls        []streamedCall
	// more is set while more whole events have arrived (see readEvents);
	// held, when a piece passed on was marked More and no Flush followed.
	more, held bool
}

// streamedCall is a tool call being written: key is the provider's own
// number for it, args its arguments so far.
type streamedCall struct {
	key      int
	id, name string
	args     []byte
}

func newStreamedAnswer(model *Model, onChunk func(Chunk) error) *streamedAnswer {
	return &streamedAnswer{res: Result{Model: model.ID}, onChunk: onChunk}
}

// The methods below pass a piece on; the caller's error is returned as is
// so the router can tell its own error from the provider's.

// pass hands a piece on, marked More while more has arrived.
func (a *streamedAnswer) pass(c Chunk) error {
	c.More, a.held = a.more, a.more
	return a.onChunk(c)
}

// flushHeld tells the receiver to send the pieces it holds, if any.
func (a *streamedAnswer) flushHeld() error {
	if !a.held {
		return nil
	}
	a.held = false
	return a.onChunk(Chunk{Flush: true})
}

// delta passes a piece of text on.
func (a *streamedAnswer) delta(text string) error {
	if text == "" {
		return nil
	}
	a.text.WriteString(text)
	return a.pass(Chunk{Text: text})
}

// startThinking opens a thinking block, ending the one open.
func (a *streamedAnswer) startThinking() {
	a.endThinking()
	a.res.Thinking = append(a.res.Thinking, ThinkingBlock{})
	a.thinkingOpen = true
}

// think passes a piece of thinking on, opening a block if none is open.
func (a *streamedAnswer) think(text string) error {
	if text == "" {
		return nil
	}
	if !a.thinkingOpen {
		a.startThinking()
	}
	a.thinking.WriteString(text)
	return a.pass(Chunk{Thinking: text})
}

// sign ends the open thinking block with its signature.
func (a *streamedAnswer) sign(signature string) error {
	if signature == "" {
		return nil
	}
	if !a.thinkingOpen {
		a.startThinking()
	}
	a.res.Thinking[len(a.res.Thinking)-1].Signature = signature
	a.endThinking()
	return a.pass(Chunk{Signature: signature})
}

// redacted adds a block of thinking the provider sent encrypted; it has
// nothing to show, so no chunk.
func (a *streamedAnswer) redacted(data string) {
	a.endThinking()
	a.res.Thinking = append(a.res.Thinking, ThinkingBlock{Redacted: data})
}

// endThinking closes the open thinking block, if any.
func (a *streamedAnswer) endThinking() {
	if !a.thinkingOpen {
		return
	}
	a.res.Thinking[len(a.res.Thinking)-1].Text = a.thinking.String()
	a.thinking.Reset()
	a.thinkingOpen = false
}

// startCall begins the tool call the provider numbers key, with what of its
// arguments came with its id and name (Gemini sends them all at once).
func (a *streamedAnswer) startCall(key int, id, name, args string) error {
	a.endThinking()
	a.calls = append(a.calls, streamedCall{key: key, id: id, name: name, args: []byte(args)})
	return a.pass(Chunk{ToolCall: &ToolCallChunk{Index: len(a.calls) - 1, ID: id, Name: name, Arguments: args}})
}

// callArguments passes on more of the arguments of the call numbered key;
// a fragment for a call that never started is dropped.
func (a *streamedAnswer) callArguments(key int, fragment string) error {
	i := a.callIndex(key)
	if i < 0 || fragment == "" {
		return nil
	}
	a.calls[i].args = append(a.calls[i].args, fragment...)
	return a.pass(Chunk{ToolCall: &ToolCallChunk{Index: i, Arguments: fragment}})
}

// callIndex is the position of the call the provider numbers key, or -1.
func (a *streamedAnswer) callIndex(key int) int {
	for i := range a.calls {
		if a.calls[i].key == key {
			return i
		}
	}
	return -1
}

// result is the answer so far; the stream is over.
func (a *streamedAnswer) result() Result {
	a.endThinking()
	res := a.res
	res.Text = a.text.String()
	res.ToolCalls = nil
	for _, c := range a.calls {
		res.ToolCalls = append(res.ToolCalls, ToolCall{ID: c.id, Name: c.name, Input: toolInput(c.args)})
	}
	return res
}

// keepsTurn reports whether an answer to req keeps its assistant turn as
// the provider sent it (Result.Native): a conversation's has a next call
// to replay it in, unless its caller replays turns in a shape of its own;
// a plain call's has none.
func keepsTurn(req Request) bool {
	return !req.OwnTurns && (len(req.Tools) > 0 || len(req.Messages) > 0)
}
