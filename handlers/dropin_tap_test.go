package handlers

import (
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/keinetech/kaine/routing"
)

// Events longer than the tap's read buffer pass whole and byte for byte,
// and a last event without its blank line is still metered.
func TestSSETapPassesLongEventsAndMetersTheLast(t *testing.T) {
	long := strings.Repeat("x", 20<<10)
	stream := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" + long + "\"}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5000}}\n"
	meter := routing.NewMeter("anthropic", "claude-haiku-4-5", false)
	ex := &dropInExchange{meter: meter}
	out, err := io.ReadAll(newSSETap(io.NopCloser(strings.NewReader(stream)), ex))
	if err != nil || ex.failed != nil || !ex.complete || string(out) != stream {
		t.Fatalf("forwarded %d of %d bytes, err %v, exchange %+v", len(out), len(stream), err, ex)
	}
	res := meter.Result()
	if !res.UsageSeen || res.Usage.Input != 7 || res.Usage.Output != 5000 || meter.GeneratedBytes() != len(long) {
		t.Fatalf("metered %+v, generated %d", res, meter.GeneratedBytes())
	}
}

// An event too large to meter passes through unread, and the events after
// it are metered again.
func TestSSETapResumesAfterAnOversizedEvent(t *testing.T) {
	huge := strings.Repeat("y", maxTappedEvent+10)
	stream := "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"instructions\":\"" + huge + "\"}}\n\n" +
		"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n" +
		"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"model\":\"gpt-5.4\",\"usage\":{\"input_tokens\":1000000,\"output_tokens\":2}}}\n\n"
	ex := &dropInExchange{meter: routing.NewMeter("openai", "gpt-5.4", false)}
	out, err := io.ReadAll(newSSETap(io.NopCloser(strings.NewReader(stream)), ex))
	if err != nil || string(out) != stream {
		t.Fatalf("forwarded %d of %d bytes, err %v", len(out), len(stream), err)
	}
	if res := ex.meter.Result(); !res.UsageSeen || res.Usage.Input != 1000000 || ex.meter.GeneratedBytes() != 2 {
		t.Fatalf("metered %+v, generated %d", res, ex.meter.GeneratedBytes())
	}
}

// A Gemini JSON-array stream that breaks off is metered from its whole
// chunks, not from nothing.
func TestJSONTapMetersTheWholeChunksOfACutGeminiArray(t *testing.T) {
	answer := `[{"candidates":[{"content":{"parts":[{"text":"Hello"}]}}],"usageMetadata":{"promptTokenCount":900000,"candidatesTokenCount":1}}
,{"candidates":[{"content":{"parts":[{"text":" wor`
	ex := &dropInExchange{meter: routing.NewMeter("gemini", "gemini-3.8-flash", false)}
	ex.json = &jsonTap{body: io.NopCloser(&breaking{strings.NewReader(answer)}), ex: ex}
	if _, err := io.ReadAll(ex.json); err == nil || ex.failed == nil {
		t.Fatalf("read error %v, failed %v", err, ex.failed)
	}
	ex.json.cut()
	if res := ex.meter.Result(); !res.UsageSeen || res.Usage.Input != 900000 || ex.meter.GeneratedBytes() != 5 {
		t.Fatalf("metered %+v, generated %d", res, ex.meter.GeneratedBytes())
	}
}

// breaking ends with a reset connection instead of EOF.
type breaking struct{ r io.Reader }

func (b *breaking) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, syscall.ECONNRESET
	}
	return n, err
}

// A stream that opens with a byte order mark is metered from its first
// event, as the clients' reader does, and forwarded with the mark.
func TestSSETapReadsPastAByteOrderMark(t *testing.T) {
	stream := "\xEF\xBB\xBFevent: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\n"
	ex := &dropInExchange{meter: routing.NewMeter("anthropic", "claude-haiku-4-5", false)}
	out, err := io.ReadAll(newSSETap(io.NopCloser(strings.NewReader(stream)), ex))
	if err != nil || string(out) != stream {
		t.Fatalf("forwarded %q, err %v", out, err)
	}
	if res := ex.meter.Result(); !res.UsageSeen || res.Usage.Input != 9 || res.Usage.Output != 3 {
		t.Fatalf("metered %+v: the first event, behind the mark, was not read", res)
	}
}

// Events that arrive together leave together, in one Read (one write and
// one flush by the proxy), and a Read never waits for an event still on
// its way.
func TestSSETapPassesABurstInOneReadWithoutWaiting(t *testing.T) {
	pr, pw := io.Pipe()
	ex := &dropInExchange{meter: routing.NewMeter("openai", "gpt-5.4", false)}
	tap := newSSETap(pr, ex)
	chunk := func(word string) string {
		return `data: {"choices":[{"index":0,"delta":{"content":"` + word + `"}}]}` + "\n\n"
	}
	burst := chunk("one ") + chunk("two ") + chunk("three ")
	go pw.Write([]byte(burst))
	buf := make([]byte, 32<<10)
	n, err := tap.Read(buf) // would block for good if it waited for a fourth
	if err != nil || string(buf[:n]) != burst {
		t.Fatalf("first Read: %q, %v; want the whole burst", buf[:n], err)
	}
	go func() {
		pw.Write([]byte(chunk("four")))
		pw.Close()
	}()
	rest, err := io.ReadAll(tap)
	if err != nil || string(rest) != chunk("four") || ex.meter.GeneratedBytes() != len("one two three four") {
		t.Fatalf("then %q, %v; metered %d bytes", rest, err, ex.meter.GeneratedBytes())
	}
}
