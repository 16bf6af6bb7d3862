package routing

import (
	"bytes"
	"strings"

	"github.com/tidwall/gjson"
)

// Meter reads a call's usage from a provider's answer as it crosses the
// wire to the client untouched (the drop-in routes). It understands the
// generation answers of each protocol: Anthropic messages, Gemini
// generateContent, OpenAI chat completions and responses.
type Meter struct {
	protocol string
	res      Result
	// textBytes counts the answer text seen, for an estimate when the
	// provider's usage never arrives (a cancelled stream).
	textBytes int
	// hideUsageChunk drops OpenAI's usage-only chunk, which the gateway
	// asked for on the client's behalf.
	hideUsageChunk bool
}

// NewMeter returns a meter for one answer of protocol (anthropic, gemini,
// openai). model is the id the request named. With hideUsageChunk, Event
// reports OpenAI's usage-only chunk for dropping.
func NewMeter(protocol, model string, hideUsageChunk bool) *Meter {
	return &Meter{protocol: protocol, res: Result{Model: model}, hideUsageChunk: hideUsageChunk}
}

// Answer reads a whole JSON answer.
func (m *Meter) Answer(body []byte) {
	if !gjson.ValidBytes(body) {
		return
	}
	if read := answerReaders[m.protocol]; read != nil {
		read(gjson.ParseBytes(body), &m.res)
	}
	m.textBytes = len(m.res.Text)
}

// answerReaders are the clients' own readers of a whole answer.
var answerReaders = map[string]answerReader{
	"anthropic": readAnthropicMessage,
	"gemini":    readGeminiAnswer,
	"openai":    readOpenAIAnswer,
}

var doneSentinel = []byte("[DONE]")

// Event reads one SSE event of a streamed answer and reports whether the
// client must not see it.
func (m *Meter) Event(name string, data []byte) (hide bool) {
	if bytes.Equal(data, doneSentinel) || !gjson.ValidBytes(data) {
		return false
	}
	v := gjson.ParseBytes(data)
	var text string
	switch m.protocol {
	case "anthropic":
		typ := name
		if typ == "" {
			typ = v.Get("type").Str
		}
		text, _, _ = readAnthropicEvent(typ, v, &m.res)
	case "gemini":
		text = readGeminiChunk(v, &m.res)
	case "openai":
		if typ := v.Get("type").Str; strings.HasPrefix(typ, "response.") { // the Responses API
			if response := v.Get("response"); response.IsObject() {
				readOpenAIMeta(response, &m.res)
			}
			if typ == "response.output_text.delta" {
				text = v.Get("delta").Str
			}
			break
		}
		readOpenAIMeta(v, &m.res)
		text = v.Get("choices.0.delta.content").Str
		hide = m.hideUsageChunk && v.Get("usage").IsObject() && !v.Get("choices.0").Exists()
	}
	m.textBytes += len(text)
	return hide
}

// Result is the usage read so far: UsageSeen is false when none arrived.
func (m *Meter) Result() Result { return m.res }

// TextBytes is how much answer text crossed so far.
func (m *Meter) TextBytes() int { return m.textBytes }

// responsesText joins the output_text parts of a Responses API answer.
func responsesText(v gjson.Result) string {
	var text strings.Builder
	for _, item := range v.Get("output").Array() {
		for _, part := range item.Get("content").Array() {
			if part.Get("type").Str == "output_text" {
				text.WriteString(part.Get("text").Str)
			}
		}
	}
	return text.String()
}
