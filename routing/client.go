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
	// Tools are the functions the model may call (Generate only: Plan
	// refuses them on a stream).
	Tools []Tool
	// Thinking asks for extended thinking (reasoning) where the model
	// supports it; its tokens are billed as output and fit in MaxTokens,
	// which is never raised (it is what the call reserved). A model
	// thinking on a budget (Anthropic's budget_tokens, Gemini's
	// thinkingBudget) gets half of MaxTokens, and does not think under
	// 2048; Anthropic also does not think in a tool-use turn that started
	// without thinking. An OpenAI model that takes reasoning_effort gets at
	// least medium.
	Thinking    bool
	MaxTokens   int
	Temperature float64
}

// Usage is what one call consumed, normalized across providers: Input is
// the fresh prompt tokens only, so every field is billed at its own price.
type Usage struct {
	Input        int64 // prompt tokens at the input price (cache reads and writes excluded)
	CacheRead    int64 // prompt tokens read from the provider's cache
	CacheWrite   int64 // prompt tokens written to a 5-minute cache (Anthropic)
	CacheWrite1h int64 // prompt tokens written to a 1-hour cache (Anthropic)
	Output       int64 // billed output, thinking and reasoning included
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
	// text (a blocked prompt).
	StopReason string
	// ToolCalls are the tools the model asked to run, in order.
	ToolCalls []ToolCall
	// Native is the assistant turn as the provider sent it, to replay in
	// the conversation's next call (set by Generate when the request had
	// Tools or Messages). Put it in the Message of this turn with Text and
	// ToolCalls.
	Native *NativeTurn
}

// Client speaks one provider wire protocol. The key is passed per call so
// the same client serves the gateway's key and a caller's own (BYOK); it
// is never kept, logged or put in an error.
type Client interface {
	// Generate makes one non-streaming call.
	Generate(ctx context.Context, key string, model *Model, req Request) (Result, error)
	// Stream makes one streaming call, handing each text delta to onDelta
	// in order as it arrives. An error from onDelta abandons the stream and
	// is returned. On any error the Result holds what was seen until then.
	Stream(ctx context.Context, key string, model *Model, req Request, onDelta func(text string) error) (Result, error)
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
