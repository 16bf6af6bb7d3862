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
	// generatedBytes counts what the model generated so far (text,
	// thinking, tool arguments), for an estimate when the provider's usage
	// never arrives (a cancelled stream).
	generatedBytes int
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

// Answer reads a whole JSON answer. Gemini's streamGenerateContent without
// alt=sse answers with a JSON array of the chunks it would have streamed.
func (m *Meter) Answer(body []byte) {
	if !gjson.ValidBytes(body) {
		return
	}
	v := gjson.ParseBytes(body)
	if m.protocol == ProtocolGemini && v.IsArray() {
		v.ForEach(func(_, chunk gjson.Result) bool {
			m.generatedBytes += len(readGeminiChunk(chunk, &m.res))
			return true
		})
		return
	}
	if read := answerReaders[m.protocol]; read != nil {
		read(v, &m.res)
	}
	m.generatedBytes = len(m.res.Text)
}

// answerReaders are the clients' own readers of a whole answer.
var answerReaders = map[string]answerReader{
	ProtocolAnthropic: readAnthropicMessage,
	ProtocolGemini:    readGeminiAnswer,
	ProtocolOpenAI:    readOpenAIAnswer,
}

var doneSentinel = []byte("[DONE]")

// Event reads one SSE event of a streamed answer and reports whether the
// client must not see it.
func (m *Meter) Event(name string, data []byte) (hide bool) {
	if bytes.Equal(data, doneSentinel) || !gjson.ValidBytes(data) {
		return false
	}
	v := gjson.ParseBytes(data)
	switch m.protocol {
	case ProtocolAnthropic:
		typ := name
		if typ == "" {
			typ = v.Get("type").Str
		}
		readAnthropicEvent(typ, v, &m.res)
		if typ == "content_block_delta" {
			delta := v.Get("delta")
			m.generatedBytes += len(delta.Get("text").Str) + len(delta.Get("thinking").Str) + len(delta.Get("partial_json").Str)
		}
	case ProtocolGemini:
		readGeminiChunk(v, &m.res)
		for _, part := range v.Get("candidates.0.content.parts").Array() {
			m.generatedBytes += len(part.Get("text").Str) + len(part.Get("functionCall.args").Raw)
		}
	case ProtocolOpenAI:
		hide = m.openAIEvent(v)
	}
	return hide
}

// openAIEvent reads a Chat Completions chunk, or a Responses API event,
// reading the chunk's fields in one pass: a stream is one chunk a token.
func (m *Meter) openAIEvent(v gjson.Result) (hide bool) {
	var typ, model, usage, choices gjson.Result
	readFields(v, jsonField{"type", &typ}, jsonField{"model", &model}, jsonField{"usage", &usage}, jsonField{"choices", &choices})
	if strings.HasPrefix(typ.Str, "response.") { // the Responses API
		if response := v.Get("response"); response.IsObject() {
			readOpenAIMeta(response, &m.res)
		}
		if strings.HasSuffix(typ.Str, ".delta") { // text, reasoning, tool arguments
			m.generatedBytes += len(v.Get("delta").Str)
		}
		return false
	}
	setOpenAIMeta(model, usage, &m.res)
	first := choices.Get("0")
	delta := first.Get("delta")
	m.generatedBytes += len(delta.Get("content").Str) + len(delta.Get("reasoning_content").Str)
	for _, call := range delta.Get("tool_calls").Array() {
		m.generatedBytes += len(call.Get("function.arguments").Str)
	}
	return m.hideUsageChunk && usage.IsObject() && !first.Exists()
}

// Result is the usage read so far: UsageSeen is false when none arrived.
func (m *Meter) Result() Result { return m.res }

// GeneratedBytes is how much the model generated that crossed so far:
// text, thinking and tool-call arguments.
func (m *Meter) GeneratedBytes() int { return m.generatedBytes }

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

// PartialAnswer reads what arrived of a JSON answer that broke off. Only a
// Gemini stream sent as a JSON array has whole parts then: the chunks
// before the break, read up to the first incomplete one.
func (m *Meter) PartialAnswer(body []byte) {
	if m.protocol != "gemini" {
		return
	}
	root := gjson.ParseBytes(body)
	if !root.IsArray() {
		return
	}
	root.ForEach(func(_, chunk gjson.Result) bool {
		if !gjson.Valid(chunk.Raw) {
			return false
		}
		m.generatedBytes += len(readGeminiChunk(chunk, &m.res))
		return true
	})
}
