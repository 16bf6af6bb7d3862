package handlers

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/keinetech/kaine/routing"
)

// maxTappedEvent bounds one SSE event the meter reads; a larger one passes
// through unread (and the call is then billed as unreadable).
const maxTappedEvent = 4 << 20

// sseTap passes a provider's event stream to the client one whole event
// per Read, byte for byte, showing each to the meter on the way; events the
// meter hides are dropped. One event per Read lets the proxy flush each as
// soon as it is complete.
type sseTap struct {
	src   *bufio.Reader
	body  io.Closer
	meter *routing.Meter
	raw   []byte // the event being read, as received
	out   []byte // what the next Read returns
	blind bool   // an oversized event: forward the rest unread
	err   error
	// broken records a read that failed other than at a clean end: the
	// proxy then aborts without calling its ErrorHandler, and the call is
	// billed as a cut stream.
	broken *error
}

func newSSETap(body io.ReadCloser, meter *routing.Meter, broken *error) *sseTap {
	return &sseTap{src: bufio.NewReaderSize(body, 4<<10), body: body, meter: meter, broken: broken}
}

func (t *sseTap) Read(p []byte) (int, error) {
	if t.blind && len(t.out) == 0 {
		return t.src.Read(p)
	}
	for len(t.out) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		t.readEvent()
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}

// readEvent reads lines up to the blank line that ends an event, then
// hands the event to the meter and queues its bytes unless hidden. At the
// end of the stream whatever was read is forwarded as it is.
func (t *sseTap) readEvent() {
	t.raw = t.raw[:0]
	for {
		line, err := t.src.ReadSlice('\n')
		t.raw = append(t.raw, line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(t.raw) > maxTappedEvent {
				t.out, t.blind = t.raw, true
				return
			}
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				*t.broken = err
			} else if name, data, ok := parseEvent(t.raw); ok {
				t.meter.Event(name, data) // a last event without its blank line
			}
			t.out, t.err = t.raw, err
			return
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 { // the blank line: the event is whole
			if name, data, ok := parseEvent(t.raw); ok && t.meter.Event(name, data) {
				t.raw = t.raw[:0]
				continue
			}
			t.out = t.raw
			return
		}
		if len(t.raw) > maxTappedEvent {
			t.out, t.blind = t.raw, true
			return
		}
	}
}

// parseEvent reads the event name and the data (lines joined by "\n") of
// one raw event; ok is false for an event with no data (a comment, a
// keep-alive).
func parseEvent(raw []byte) (name string, data []byte, ok bool) {
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			name = string(value)
		case "data":
			if ok {
				data = append(data, '\n')
			}
			data, ok = append(data, value...), true
		}
	}
	return name, data, ok
}

func (t *sseTap) Close() error { return t.body.Close() }

// jsonTap passes a JSON answer through untouched, keeping a copy (up to a
// bound) for the meter, which reads it at the end.
type jsonTap struct {
	body   io.ReadCloser
	meter  *routing.Meter
	buf    []byte
	over   bool
	read   bool
	broken *error
}

// maxTappedAnswer bounds the copy of a JSON answer kept for metering.
const maxTappedAnswer = 16 << 20

func (t *jsonTap) Read(p []byte) (int, error) {
	n, err := t.body.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		*t.broken = err
	}
	if !t.over {
		if len(t.buf)+n > maxTappedAnswer {
			t.over, t.buf = true, nil
		} else {
			t.buf = append(t.buf, p[:n]...)
		}
	}
	if errors.Is(err, io.EOF) && !t.read && !t.over {
		t.read = true
		t.meter.Answer(t.buf)
	}
	return n, err
}

func (t *jsonTap) Close() error { return t.body.Close() }
