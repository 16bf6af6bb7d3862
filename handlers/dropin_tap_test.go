package handlers

import (
	"io"
	"strings"
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
	var broken error
	tap := newSSETap(io.NopCloser(strings.NewReader(stream)), meter, &broken)
	out, err := io.ReadAll(tap)
	if err != nil || broken != nil || string(out) != stream {
		t.Fatalf("forwarded %d of %d bytes, err %v, broken %v", len(out), len(stream), err, broken)
	}
	res := meter.Result()
	if !res.UsageSeen || res.Usage.Input != 7 || res.Usage.Output != 5000 || meter.GeneratedBytes() != len(long) {
		t.Fatalf("metered %+v, generated %d", res, meter.GeneratedBytes())
	}
}
