package routing

import (
	"context"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// anthropicVersion is the API version header; 2023-06-01 is the only one.
const anthropicVersion = "2023-06-01"

// anthropic speaks the Anthropic Messages API.
type anthropic struct {
	url string
	hc  *http.Client
}

// NewAnthropic returns a client for the Messages API at baseURL, the host
// root (https://api.anthropic.com). A nil hc gets a pooled client of its own.
func NewAnthropic(baseURL string, hc *http.Client) Client {
	return &anthropic{url: endpointURL(baseURL, "/v1/messages"), hc: httpClient(hc)}
}

type anthropicRequest struct {
	Model         string                 `json:"model"`
	MaxTokens     int                    `json:"max_tokens"`
	System        string                 `json:"system,omitempty"`
	Messages      []anthropicMessage     `json:"messages"`
	Tools         []anthropicTool        `json:"tools,omitempty"`
	ToolChoice    *anthropicToolChoice   `json:"tool_choice,omitempty"`
	Thinking      *anthropicThinking     `json:"thinking,omitempty"`
	OutputConfig  *anthropicOutputConfig `json:"output_config,omitempty"`
	Temperature   *float64               `json:"temperature,omitempty"`
	TopP          *float64               `json:"top_p,omitempty"`
	StopSequences []string               `json:"stop_sequences,omitempty"`
	Metadata      *anthropicMetadata     `json:"metadata,omitempty"`
	Stream        bool                   `json:"stream,omitempty"`
}

// anthropicOwnFields are the fields a front's Extra may not hold.
var anthropicOwnFields = jsonFields(anthropicRequest{})

func (a *anthropic) send(ctx context.Context, key string, model *Model, req Request, stream bool) (*http.Response, error) {
	if err := checkUnplanned(a.Refuses, model, req, stream); err != nil {
		return nil, err
	}
	body := anthropicRequest{
		Model:         model.ID,
		MaxTokens:     req.MaxTokens,
		System:        req.System,
		Messages:      anthropicMessages(conversation(req)),
		Tools:         anthropicTools(req.Tools),
		ToolChoice:    anthropicToolChoiceFor(req),
		StopSequences: req.Stop,
		Metadata:      anthropicMetadataFor(req.User),
		Stream:        stream,
	}
	if thinking, thinks := anthropicThinkingFor(model, req); thinks {
		body.Thinking = &thinking
	} else { // thinking takes no temperature or top_p but the default
		body.Temperature, body.TopP = sentTemperature(model, req), sentTopP(model, req)
	}
	body.OutputConfig = anthropicOutputConfigFor(req, body.Thinking)
	payload, err := encodeBody(body, req.Extra, ProtocolAnthropic, anthropicOwnFields)
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	header.Set("X-Api-Key", key)
	header.Set("Anthropic-Version", anthropicVersion)
	if stream {
		header.Set("Accept", "text/event-stream")
	}
	return post(ctx, a.hc, a.url, header, payload, key, parseAnthropicError)
}

func (a *anthropic) Generate(ctx context.Context, key string, model *Model, req Request) (Result, error) {
	resp, err := a.send(ctx, key, model, req, false)
	return readGenerated(ctx, resp, err, model, keepingTurn(req, ProtocolAnthropic, "content", readAnthropicMessage))
}

func (a *anthropic) Stream(ctx context.Context, key string, model *Model, req Request, onChunk func(Chunk) error) (Result, error) {
	answer := &anthropicStream{streamedAnswer: newStreamedAnswer(model, onChunk)}
	send := func(ctx context.Context) (*http.Response, error) { return a.send(ctx, key, model, req, true) }
	ended := false
	err := streamEvents(ctx, send, answer.streamedAnswer, func(ev sseEvent) (bool, error) {
		data, err := jsonEvent(ev)
		if err != nil {
			return false, err
		}
		// The data's type repeats the event name; the name wins if they differ.
		typ := ev.Name
		if typ == "" {
			typ = data.Get("type").Str
		}
		stop, failed := readAnthropicEvent(typ, data, &answer.res)
		switch {
		case failed != nil:
			return false, streamError(failed.Type, failed.Message, key)
		case stop:
			ended = true
			return true, nil
		}
		return false, answer.block(typ, data)
	})
	if err == nil && !ended {
		err = streamTruncated()
	}
	res := answer.result()
	if err == nil && keepsTurn(req) {
		res.Native = answer.native(res)
	}
	return res, err
}

// readAnthropicEvent reads the message's own events into res: whether the
// message ended, or the in-stream error. Its blocks are the client's
// (anthropicStream); pings and types added later are ignored.
func readAnthropicEvent(typ string, data gjson.Result, res *Result) (ended bool, failed *errorBody) {
	switch typ {
	case "message_start":
		msg := data.Get("message")
		// Its output_tokens is a placeholder; message_delta has the count.
		res.UsageSeen = readAnthropicUsage(msg.Get("usage"), &res.Usage, false) || res.UsageSeen
		if m := msg.Get("model").Str; m != "" {
			res.Model = m
		}
	case "message_delta":
		// Cumulative: its figures replace earlier ones, fields it lacks stay.
		res.UsageSeen = readAnthropicUsage(data.Get("usage"), &res.Usage, true) || res.UsageSeen
		if r := data.Get("delta.stop_reason").Str; r != "" {
			res.StopReason, res.Finish = r, anthropicFinish(r)
		}
		if s := data.Get("delta.stop_sequence").Str; s != "" {
			res.StopSequence = s
		}
	case "message_stop":
		return true, nil
	case "error":
		e := data.Get("error")
		return false, &errorBody{Type: e.Get("type").Str, Message: e.Get("message").Str}
	}
	return false, nil
}

// readAnthropicMessage reads a whole (non-streamed) message into res: its
// text blocks joined, its thinking blocks, and its tool_use blocks as tool
// calls.
func readAnthropicMessage(msg gjson.Result, res *Result) {
	var text strings.Builder
	for _, block := range msg.Get("content").Array() {
		switch block.Get("type").Str {
		case "text":
			text.WriteString(block.Get("text").Str)
		case "thinking":
			res.Thinking = append(res.Thinking, ThinkingBlock{Text: block.Get("thinking").Str, Signature: block.Get("signature").Str})
		case "redacted_thinking":
			res.Thinking = append(res.Thinking, ThinkingBlock{Redacted: block.Get("data").Str})
		case "tool_use":
			res.ToolCalls = append(res.ToolCalls, ToolCall{ID: block.Get("id").Str, Name: block.Get("name").Str,
				Input: rawJSON(block.Get("input"), emptyObject)})
		}
	}
	res.Text = text.String()
	res.UsageSeen = readAnthropicUsage(msg.Get("usage"), &res.Usage, true)
	if m := msg.Get("model").Str; m != "" {
		res.Model = m
	}
	res.StopReason = msg.Get("stop_reason").Str
	res.Finish = anthropicFinish(res.StopReason)
	res.StopSequence = msg.Get("stop_sequence").Str
}

// anthropicFinish is what a stop_reason means; "" while none came.
func anthropicFinish(reason string) Finish {
	switch reason {
	case "":
		return ""
	case "stop_sequence":
		return FinishStopSequence
	case "max_tokens", "model_context_window_exceeded":
		return FinishLength
	case "tool_use":
		return FinishToolCalls
	case "refusal":
		return FinishRefusal
	}
	return FinishStop // end_turn, pause_turn, and values added later
}

// readAnthropicUsage sets the figures u holds, leaving the ones it lacks,
// and reports whether there were any. input_tokens excludes the cache, so
// each field maps to its own price. The 5-minute / 1-hour split of cache
// writes is used when sent; without it every write is billed at 5 minutes.
func readAnthropicUsage(u gjson.Result, into *Usage, withOutput bool) bool {
	if !u.IsObject() {
		return false
	}
	if v := u.Get("input_tokens"); v.Exists() {
		into.Input = tokenCount(v)
	}
	if v := u.Get("cache_read_input_tokens"); v.Exists() {
		into.CacheRead = tokenCount(v)
	}
	fiveMin, oneHour := u.Get("cache_creation.ephemeral_5m_input_tokens"), u.Get("cache_creation.ephemeral_1h_input_tokens")
	if fiveMin.Exists() || oneHour.Exists() {
		into.CacheWrite, into.CacheWrite1h = tokenCount(fiveMin), tokenCount(oneHour)
	} else if v := u.Get("cache_creation_input_tokens"); v.Exists() {
		into.CacheWrite, into.CacheWrite1h = tokenCount(v), 0
	}
	if v := u.Get("output_tokens"); withOutput && v.Exists() {
		into.Output = tokenCount(v)
	}
	return true
}

// parseAnthropicError reads {"type":"error","error":{"type","message"}}.
func parseAnthropicError(body []byte) errorBody {
	e := gjson.GetBytes(body, "error")
	return errorBody{Type: e.Get("type").Str, Message: e.Get("message").Str}
}

// Interface guard.
var _ Client = (*anthropic)(nil)
