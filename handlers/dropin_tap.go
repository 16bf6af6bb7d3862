package handlers

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/keinetech/kaine/routing"
)

// maxTappedEvent bounds one SSE event the meter reads; a larger one passes
// through unread, and the events after it are read again.
const maxTappedEvent = 4 << 20

// sseTap passes a provider's event stream to the client whole events at a
// time, byte for byte, showing each to the meter on the way; events the
// meter hides are dropped. A Read returns as soon as one event is whole,
// with those already read behind it, so the proxy flushes each event as
// soon as it is complete, and a burst in one write.
type sseTap struct {
	src *bufio.Reader
	// body is the answer's body; ex takes what the tap learns: a read that
	// failed other than at a clean end (the proxy then aborts without
	// calling its ErrorHandler, and the call is billed as cut), and a
	// clean end.
	body  io.Closer
	ex    *dropInExchange
	raw   []byte // the event being read, as received
	batch []byte // the events the next Read returns, as received
	out   []byte // what is left of them to return
	// oversized is set while the rest of an event too large to meter is
	// passed through line by line.
	oversized bool
	started   bool   // past the stream's first event
	data      []byte // the event's data, reused
	err       error
}

func newSSETap(body io.ReadCloser, ex *dropInExchange) *sseTap {
	const size = 4 << 10
	// A batch is what the reader holds, plus at most one event.
	return &sseTap{src: bufio.NewReaderSize(body, size), body: body, ex: ex, batch: make([]byte, 0, size)}
}

func (t *sseTap) Read(p []byte) (int, error) {
	if len(t.out) == 0 {
		t.batch = t.batch[:0]
		for t.err == nil {
			t.readEvent()
			t.batch = append(t.batch, t.out...)
			// Whole events already here go with this one: one write and
			// one flush, as reverse_proxy sends what one read brought.
			// Nothing waits for an event still on its way.
			if len(t.batch) > 0 && (t.oversized || !t.wholeEventBuffered()) {
				break
			}
		}
		t.out = t.batch
		if len(t.out) == 0 {
			return 0, t.err
		}
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}

// wholeEventBuffered reports whether the bytes already read hold the end
// of an event, so reading it cannot wait on the provider.
func (t *sseTap) wholeEventBuffered() bool {
	b, _ := t.src.Peek(t.src.Buffered())
	return routing.EndsSSEEvent(b)
}

// readEvent reads lines up to the blank line that ends an event, then
// hands the event to the meter and queues its bytes unless hidden. At the
// end of the stream whatever was read is metered and forwarded as it is.
func (t *sseTap) readEvent() {
	t.raw = t.raw[:0]
	for {
		line, err := t.src.ReadSlice('\n')
		t.raw = append(t.raw, line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(t.raw) > maxTappedEvent {
				t.out, t.oversized = t.raw, true
				return
			}
			continue
		}
		if err != nil {
			t.end(err)
			return
		}
		blank := len(bytes.TrimRight(line, "\r\n")) == 0
		switch {
		case t.oversized:
			// Pass the rest of the oversized event on, a line at a time.
			t.out, t.oversized = t.raw, !blank
			return
		case blank: // the event is whole
			if t.meterEvent(t.raw) {
				t.raw = t.raw[:0]
				continue
			}
			t.out = t.raw
			return
		case len(t.raw) > maxTappedEvent:
			t.out, t.oversized = t.raw, true
			return
		}
	}
}

// end records how the stream ended, metering a last event that came
// without its blank line.
func (t *sseTap) end(err error) {
	t.out, t.err = t.raw, err
	if !errors.Is(err, io.EOF) {
		t.ex.failed = err
		return
	}
	t.ex.complete = true
	if !t.oversized {
		t.meterEvent(t.raw)
	}
}

// meterEvent shows one raw event to the meter, and reports whether the
// meter hides it; an event without data (a comment, a keep-alive) passes.
// The stream's first event is read past a byte order mark.
func (t *sseTap) meterEvent(raw []byte) (hidden bool) {
	if !t.started {
		t.started = true
		raw = routing.TrimSSEByteOrderMark(raw)
	}
	name, data, ok := routing.ParseSSEEvent(t.data[:0], raw)
	t.data = data
	return ok && t.ex.meter.Event(string(name), data)
}

func (t *sseTap) Close() error { return t.body.Close() }

// jsonTap passes a JSON answer through untouched, keeping a copy (up to a
// bound) for the meter, which reads it at the end.
type jsonTap struct {
	body io.ReadCloser
	ex   *dropInExchange
	buf  []byte
	// n counts the bytes that crossed, for an estimate when the copy was
	// dropped for its size.
	n    int64
	over bool
}

// maxTappedAnswer bounds the copy of a JSON answer kept for metering.
const maxTappedAnswer = 16 << 20

func (t *jsonTap) Read(p []byte) (int, error) {
	n, err := t.body.Read(p)
	t.n += int64(n)
	if !t.over {
		if len(t.buf)+n > maxTappedAnswer {
			t.over, t.buf = true, nil
		} else {
			t.buf = append(t.buf, p[:n]...)
		}
	}
	switch {
	case errors.Is(err, io.EOF) && !t.ex.complete:
		t.ex.complete = true
		if !t.over {
			t.ex.meter.Answer(t.buf)
		}
	case err != nil && !errors.Is(err, io.EOF):
		t.ex.failed = err
	}
	return n, err
}

// cut meters what arrived of an answer that broke off: the whole chunks of
// a Gemini stream sent as a JSON array.
func (t *jsonTap) cut() {
	if !t.ex.complete && !t.over {
		t.ex.meter.PartialAnswer(t.buf)
	}
}

func (t *jsonTap) Close() error { return t.body.Close() }
