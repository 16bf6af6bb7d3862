package routing

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// maxSSEEvent bounds one line and one event's data, so a broken or hostile
// upstream cannot grow a buffer without end.
const maxSSEEvent = 4 << 20

// errSSETooLarge is returned for a line or an event over maxSSEEvent.
var errSSETooLarge = fmt.Errorf("server-sent event over %d bytes", maxSSEEvent)

// sseEvent is one dispatched server-sent event. Data aliases the reader's
// buffer: it is valid only until the next call to Next.
type sseEvent struct {
	Name string // the event: field; empty for data-only streams
	Data []byte // data: lines joined with "\n"
}

// sseReader splits a text/event-stream into events, following the HTML
// living standard's parsing rules (see ParseSSEEvent): lines end in "\n"
// or "\r\n", a blank line dispatches, a byte order mark opening the
// stream is dropped, and an event cut off by the end of the stream is
// discarded. It knows nothing of any provider's protocol.
type sseReader struct {
	r       *bufio.Reader
	name    string // last event name, reused to spare an allocation per event
	raw     []byte // the event's lines, as received
	data    []byte
	long    []byte // a line longer than the bufio buffer, assembled
	started bool   // past the optional byte order mark
}

// sseBuffers keeps the readers' buffers from one stream to the next: a
// burst of events is best read in one go, but 32 KiB a stream, allocated
// and cleared, is a cost reverse_proxy (which pools its own) does not pay.
var sseBuffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

// newSSEReader reads events from r until release.
func newSSEReader(r io.Reader) *sseReader {
	buffered := sseBuffers.Get().(*bufio.Reader)
	buffered.Reset(r)
	return &sseReader{r: buffered}
}

// release returns the reader's buffer; the reader and the events it
// returned are not to be used after.
func (s *sseReader) release() {
	s.r.Reset(nil)
	sseBuffers.Put(s.r)
	s.r = nil
}

// Next returns the next event, io.EOF at a clean end of the stream, or the
// read error that ended it.
func (s *sseReader) Next() (sseEvent, error) {
	for {
		s.raw = s.raw[:0]
		for {
			line, err := s.readLine()
			if err != nil {
				return sseEvent{}, err
			}
			if len(line) == 0 {
				break
			}
			if len(s.raw)+len(line) > maxSSEEvent {
				return sseEvent{}, errSSETooLarge
			}
			s.raw = append(append(s.raw, line...), '\n')
		}
		name, data, ok := ParseSSEEvent(s.data[:0], s.raw)
		s.data = data
		if !ok { // nothing to dispatch: a name alone is dropped too
			continue
		}
		if string(name) != s.name {
			s.name = string(name)
		}
		return sseEvent{Name: s.name, Data: s.data}, nil
	}
}

// wholeEventBuffered reports whether the bytes already read hold the end
// of an event, so reading it cannot wait on the provider.
func (s *sseReader) wholeEventBuffered() bool {
	b, _ := s.r.Peek(s.r.Buffered())
	return EndsSSEEvent(b)
}

// EndsSSEEvent reports whether b, bytes of a stream read ahead, holds the
// blank line that ends an event. It stops at the first, so a burst costs
// one scan of each event however many are buffered behind it.
func EndsSSEEvent(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false
		}
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' || len(b) > 1 && b[0] == '\r' && b[1] == '\n' {
			return true
		}
	}
}

// readLine returns the next line without its end of line; the slice is
// valid until the next read. A last line without an end of line is
// incomplete and reported as io.EOF.
func (s *sseReader) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.long = append(s.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = s.r.ReadSlice('\n')
			s.long = append(s.long, line...)
			if len(s.long) > maxSSEEvent {
				return nil, errSSETooLarge
			}
		}
		line = s.long
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if !s.started {
		s.started = true
		line = TrimSSEByteOrderMark(line)
	}
	return line, nil
}

// ParseSSEEvent reads one event of a text/event-stream from its lines as
// received (their ends "\n" or "\r\n", the blank line that dispatches it
// there or not): name is its event: field, aliasing raw, and data its
// data: lines joined with "\n", appended to dst. One space after a field's
// colon is dropped; comments (":") and the id and retry fields are
// ignored. ok is false for an event without data (a comment, a
// keep-alive, a name alone), which is not dispatched. Both readers of
// provider streams, the clients' and the drop-in route's tap, parse with
// it.
func ParseSSEEvent(dst, raw []byte) (name, data []byte, ok bool) {
	data = dst
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		field, value, _ := bytes.Cut(line, []byte(":"))
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(field) {
		case "event":
			name = value
		case "data":
			if ok {
				data = append(data, '\n')
			}
			data, ok = append(data, value...), true
		}
	}
	return name, data, ok
}

// TrimSSEByteOrderMark drops the byte order mark a stream may open with.
func TrimSSEByteOrderMark(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")) }
