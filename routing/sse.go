package routing

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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
// living standard's parsing rules: lines end in "\n" or "\r\n", a blank
// line dispatches, "data:" lines join with "\n", one space after the colon
// is dropped, comments (":") and the id and retry fields are ignored, and
// an event cut off by the end of the stream is discarded. It knows nothing
// of any provider's protocol.
type sseReader struct {
	r       *bufio.Reader
	name    string // last event name, reused to spare an allocation per event
	data    []byte
	long    []byte // a line longer than the bufio buffer, assembled
	started bool   // past the optional byte order mark
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 32<<10)}
}

// Next returns the next event, io.EOF at a clean end of the stream, or the
// read error that ended it.
func (s *sseReader) Next() (sseEvent, error) {
	s.data = s.data[:0]
	hasData, hasName := false, false
	for {
		line, err := s.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if !hasData { // nothing to dispatch: a name alone is dropped too
				hasName = false
				continue
			}
			ev := sseEvent{Data: s.data}
			if hasName {
				ev.Name = s.name
			}
			return ev, nil
		}
		field, value := splitSSEField(line)
		switch string(field) {
		case "data":
			if hasData {
				s.data = append(s.data, '\n')
			}
			if len(s.data)+len(value) > maxSSEEvent {
				return sseEvent{}, errSSETooLarge
			}
			s.data = append(s.data, value...)
			hasData = true
		case "event":
			if string(value) != s.name {
				s.name = string(value)
			}
			hasName = true
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
		line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
	}
	return line, nil
}

// splitSSEField splits "field: value"; a comment line yields an empty
// field, which matches nothing.
func splitSSEField(line []byte) (field, value []byte) {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return line, nil
	}
	field, value = line[:i], line[i+1:]
	if len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	return field, value
}
