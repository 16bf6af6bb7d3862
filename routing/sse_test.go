package routing

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAllEvents reads events until an error, copying each (Data is reused).
func readAllEvents(r io.Reader) ([]sseEvent, error) {
	events := newSSEReader(r)
	var got []sseEvent
	for {
		ev, err := events.Next()
		if err != nil {
			return got, err
		}
		got = append(got, sseEvent{Name: ev.Name, Data: []byte(string(ev.Data))})
	}
}

func TestSSEReaderParsesTheStandard(t *testing.T) {
	type ev struct{ name, data string }
	for _, tc := range []struct {
		name, stream string
		want         []ev
	}{
		{"data only, LF", "data: a\n\ndata: b\n\n", []ev{{"", "a"}, {"", "b"}}},
		{"data only, CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []ev{{"", "a"}, {"", "b"}}},
		{"named", "event: ping\ndata: {}\n\nevent: delta\ndata: x\n\n", []ev{{"ping", "{}"}, {"delta", "x"}}},
		{"the name does not carry over", "event: one\ndata: 1\n\ndata: 2\n\n", []ev{{"one", "1"}, {"", "2"}}},
		{"multi-line data joins with LF", "data: a\ndata:b\ndata:  c\n\n", []ev{{"", "a\nb\n c"}}},
		{"empty data line", "data:\n\n", []ev{{"", ""}}},
		{"comments, id and retry ignored", ": keep-alive\nid: 7\nretry: 100\ndata: x\n\n", []ev{{"", "x"}}},
		{"blank lines without data dispatch nothing", "\n\nevent: lonely\n\n\ndata: x\n\n", []ev{{"", "x"}}},
		{"byte order mark", "\xEF\xBB\xBFdata: x\n\n", []ev{{"", "x"}}},
		{"unterminated last event is dropped", "data: a\n\ndata: b\n", []ev{{"", "a"}}},
		{"unterminated last line is dropped", "data: a\n\ndata: b", []ev{{"", "a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte a read proves no line or event depends on read sizes.
			got, err := readAllEvents(iotest.OneByteReader(strings.NewReader(tc.stream)))
			if !errors.Is(err, io.EOF) {
				t.Fatalf("ended with %v, want io.EOF", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d events %q, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if got[i].Name != w.name || string(got[i].Data) != w.data {
					t.Errorf("event %d = %q %q, want %q %q", i, got[i].Name, got[i].Data, w.name, w.data)
				}
			}
		})
	}
}

func TestSSEReaderTakesLinesLongerThanItsBuffer(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	got, err := readAllEvents(strings.NewReader("data: " + long + "\r\n\r\n"))
	if !errors.Is(err, io.EOF) || len(got) != 1 || string(got[0].Data) != long {
		t.Fatalf("got %d events, err %v", len(got), err)
	}
}

func TestSSEReaderRefusesOversizedEvents(t *testing.T) {
	line := strings.Repeat("x", 1<<20)
	for name, stream := range map[string]string{
		"one line":   "data: " + strings.Repeat("x", maxSSEEvent+1) + "\n\n",
		"many lines": strings.Repeat("data: "+line+"\n", 5) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := readAllEvents(strings.NewReader(stream)); !errors.Is(err, errSSETooLarge) {
				t.Fatalf("got %v, want errSSETooLarge", err)
			}
		})
	}
}

func TestSSEReaderReportsReadErrors(t *testing.T) {
	broken := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(broken))
	got, err := readAllEvents(r)
	if !errors.Is(err, broken) || len(got) != 1 || string(got[0].Data) != "a" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestSSEReaderReusesItsBuffer(t *testing.T) {
	stream := []byte(strings.Repeat("event: delta\ndata: some text\n\n", 100))
	allocs := testing.AllocsPerRun(10, func() {
		events := newSSEReader(bytes.NewReader(stream))
		for {
			if _, err := events.Next(); err != nil {
				return
			}
		}
	})
	// Setting up the reader, sizing the data buffer and keeping the name
	// cost a handful; the 100 events themselves cost nothing.
	if allocs > 10 {
		t.Fatalf("%v allocations for 100 events", allocs)
	}
}

func TestEndsSSEEventFindsTheFirstBlankLine(t *testing.T) {
	for _, tc := range []struct {
		read string
		want bool
	}{
		{"data: a\n\n", true},
		{"data: a\r\n\r\ndata: b", true},
		{"event: x\ndata: a\n", false},
		{"data: a\r\n", false},
		{"", false},
		{"\n", false},
		{"\n\n", true},
	} {
		if got := EndsSSEEvent([]byte(tc.read)); got != tc.want {
			t.Errorf("EndsSSEEvent(%q) = %v", tc.read, got)
		}
	}
}
