package routing

import (
	"context"
	"fmt"
	"time"
)

// Request is one generation call in Kaine's terms; each protocol client
// translates it to its wire format, leaving out what the model refuses.
type Request struct {
	System string
	// Prompt is the single user turn of a plain call.
	Prompt string
	// Messages, when set, is the whole conversation instead of Prompt: an
	// agent's turns with their tool calls and results.
	Messages []Message
	// Tools are the functions the model may call.
	Tools []Tool
	// ToolChoice says whether and which tool the model must call.
	ToolChoice ToolChoice
	// SerialToolCalls asks for one tool call a turn at most (OpenAI's
	// parallel_tool_calls false, Anthropic's disable_parallel_tool_use).
	SerialToolCalls bool
	// Thinking asks for extended thinking (reasoning) where the model
	// supports it; its tokens are billed as output and fit in MaxTokens,
	// which is never raised (it is what the call reserved). A model
	// thinking on a budget (Anthropic's budget_tokens, Gemini's
	// thinkingBudget) gets half of MaxTokens, and does not think under
	// 2048; Anthropic also does not think in a tool-use turn that started
	// without thinking, nor while a tool call is forced. An OpenAI model
	// that takes reasoning_effort gets at least medium.
	Thinking bool
	// Effort, when set, is how hard to think (EffortNone to EffortHigh):
	// OpenAI's reasoning_effort, Anthropic's effort or a thinking budget,
	// Gemini's thinking level or budget. EffortNone turns thinking off.
	Effort string
	// ThinkingBudget, when above 0, is the thinking budget asked for in
	// tokens (Anthropic's budget_tokens); it must leave room in MaxTokens.
	ThinkingBudget int
	MaxTokens      int
	// Temperature and TopP are sent when set and the model takes them.
	Temperature *float64
	TopP        *float64
	// Stop are sequences that end the answer where they appear.
	Stop []string
	Seed *int64
	// Choices is how many answers to make (OpenAI's n); 0 and 1 are one.
	Choices int
	// Format asks for an answer in JSON.
	Format *Format
	// User is the caller's end user, passed to providers that take one for
	// their abuse monitoring.
	User string
	// Extra are a front's fields for providers of its own protocol.
	Extra *Extra
	// OwnTurns says the caller keeps the conversation's turns in a shape
	// of its own (a front's app, in OpenAI's or Anthropic's): the answer's
	// turn is then not kept as its provider sent it (Result.Native), a
	// copy no one would replay.
	OwnTurns bool

	// checked says the router planned the request: its own checks and the
	// client's refusals ran then, and a client need not run them again.
	checked bool
}

// Usage is what one call consumed, normalized across providers: Input is
// the fresh prompt tokens only, so every field is billed at its own price.
type Usage struct {
	Input        int64 // prompt tokens at the input price (cache reads and writes excluded)
	CacheRead    int64 // prompt tokens read from the provider's cache
	CacheWrite   int64 // prompt tokens written to a 5-minute cache (Anthropic)
	CacheWrite1h int64 // prompt tokens written to a 1-hour cache (Anthropic)
	Output       int64 // billed output, thinking and reasoning included
	// Reasoning is the part of Output spent thinking, when the provider
	// says (OpenAI's reasoning_tokens, Gemini's thoughtsTokenCount).
	Reasoning int64
	// Estimated is set when the provider reported no usage (a cut stream, a
	// local server without usage) and the figures were estimated.
	Estimated bool
}

// PromptTokens is every prompt token, whatever its price.
func (u Usage) PromptTokens() int64 { return u.Input + u.CacheRead + u.CacheWrite + u.CacheWrite1h }

// Result is a finished (or, with an error, partial) call.
type Result struct {
	Text string
	// Usage is the final usage, or on a cut stream what was seen so far.
	Usage Usage
	// UsageSeen reports whether the provider sent any usage figures.
	UsageSeen bool
	// Model is the model id the provider reports, else the one requested.
	Model string
	// StopReason is the provider's own finish reason, or why there is no
	// text (a blocked prompt); Finish is what it means.
	StopReason string
	Finish     Finish
	// StopSequence is the stop sequence that ended the answer, when the
	// provider says which (Anthropic).
	StopSequence string
	// Refusal is the model's refusal to answer, when the provider sets it
	// apart from the text (OpenAI's refusal).
	Refusal string
	// Thinking is the model's visible thinking, block by block, with what
	// its provider needs to have it replayed.
	Thinking []ThinkingBlock
	// More are the answers after the first of a call with Choices above 1.
	More []Choice
	// ToolCalls are the tools the model asked to run, in order.
	ToolCalls []ToolCall
	// Native is the assistant turn as the provider sent it, to replay in
	// the conversation's next call (set when the request had Tools or
	// Messages; a streamed turn is rebuilt from its pieces, as the
	// provider's whole answer would have held it). Put it in the Message of
	// this turn with Text and ToolCalls.
	Native *NativeTurn
}

// Client speaks one provider wire protocol. The key is passed per call so
// the same client serves the gateway's key and a caller's own (BYOK); it
// is never kept, logged or put in an error.
type Client interface {
	// Generate makes one non-streaming call.
	Generate(ctx context.Context, key string, model *Model, req Request) (Result, error)
	// Stream makes one streaming call, handing each piece of the answer to
	// onChunk in order as it arrives. An error from onChunk abandons the
	// stream and is returned. On any error the Result holds what was seen
	// until then.
	Stream(ctx context.Context, key string, model *Model, req Request, onChunk func(Chunk) error) (Result, error)
	// Refuses returns an *UnsupportedError when the provider's API cannot
	// serve req as asked from model (a seed on Claude, an image URL on
	// Gemini), before any call: the router then tries another provider
	// or, if none can, the call is refused naming the field.
	Refuses(model *Model, req Request, stream bool) error
}

// UpstreamError is a provider's refusal or failure, or a transport error
// on the way to it. It is safe to show: it never holds a key.
type UpstreamError struct {
	// Status is the HTTP status; 0 for a transport failure; 200 for an
	// error that arrived inside a stream.
	Status int
	// Type is the provider's own error type or code when it sent one
	// (overloaded_error, RESOURCE_EXHAUSTED, insufficient_quota, …).
	Type string
	// Message is the provider's message, trimmed, with any key removed; a
	// fixed text for a refused key.
	Message string
	// Auth is set when the provider refused the key (401, 403, Gemini's
	// 400 API_KEY_INVALID).
	Auth bool
	// RetryAfter is the provider's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Err is the transport error, for Status 0.
	Err error
}

func (e *UpstreamError) Error() string {
	switch {
	case e.Status == 0 && e.Err != nil:
		// Only the kind of failure: the full error names hosts and ports
		// an API caller has no business seeing.
		return TransportReason(e.Err)
	case e.Type != "":
		return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Type, e.Message)
	default:
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
}

func (e *UpstreamError) Unwrap() error { return e.Err }

// CallerFault reports whether the request itself was refused (too long, a
// bad value): another provider would refuse it too, so the router does not
// fail over and the breaker does not count it. A refusal of what the
// gateway chose (a parameter the model does not support, a region or
// billing precondition) is the gateway's, not the caller's.
func (e *UpstreamError) CallerFault() bool {
	if e.Auth {
		return false
	}
	switch e.Type {
	case "unsupported_parameter", "unsupported_value", "FAILED_PRECONDITION", "model_not_found":
		return false
	}
	switch e.Status {
	case 400, 413, 422:
		return true
	}
	return false
}
