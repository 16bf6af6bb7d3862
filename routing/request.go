package routing

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ToolChoice says whether the model must call a tool, and which.
type ToolChoice struct {
	// Mode is "" or ToolAuto (the model decides), ToolNone (no call),
	// ToolRequired (at least one call) or ToolNamed (a call of Name).
	Mode string
	Name string
}

// The modes of a ToolChoice.
const (
	ToolAuto     = "auto"
	ToolNone     = "none"
	ToolRequired = "required"
	ToolNamed    = "tool"
)

// Format asks for an answer in JSON: any JSON object (FormatJSON), or one
// matching Schema (FormatSchema).
type Format struct {
	Type        string
	Name        string
	Description string
	Schema      json.RawMessage
	// Strict asks the provider to hold the answer to the schema exactly
	// (OpenAI's strict; Anthropic and Gemini always constrain to it).
	Strict bool
}

// The types of a Format.
const (
	FormatJSON   = "json_object"
	FormatSchema = "json_schema"
)

// Extra is what a front's request carries beyond Request, sent as is to a
// provider speaking Protocol (the front's own) and refused by the others:
// an OpenAI request's logit_bias reaches OpenAI unchanged, while a call
// that would need it on Claude is a 400 naming it.
type Extra struct {
	Protocol string
	Fields   []ExtraField // in the order the front read them
}

// ExtraField is one field of an Extra, its value as the caller sent it.
type ExtraField struct {
	Name  string
	Value json.RawMessage
}

// Part is one piece of a user turn that holds more than text: a text or an
// image, in the order the caller gave them.
type Part struct {
	Text  string
	Image *Image
}

// Image is an image in a user turn: a URL the provider fetches (https), or
// the image itself, base64 as the caller sent it (every provider takes it
// so: it is never decoded and encoded again).
type Image struct {
	URL       string
	MediaType string // image/png, image/jpeg, image/gif, image/webp; with Base64
	Base64    string // standard encoding, with padding
	// Detail is OpenAI's resolution hint ("low", "high"; "" for auto),
	// which only OpenAI takes.
	Detail string
}

// IsImageType reports whether every provider reads images of mediaType.
func IsImageType(mediaType string) bool { return imageTypes[mediaType] }

// The efforts a Request may think with, as OpenAI names them.
const (
	EffortNone    = "none"
	EffortMinimal = "minimal"
	EffortLow     = "low"
	EffortMedium  = "medium"
	EffortHigh    = "high"
)

// Finish is why an answer ended, in terms every front can map to its own.
type Finish string

// The finishes of an answer.
const (
	FinishStop         Finish = "stop"          // the model was done
	FinishStopSequence Finish = "stop_sequence" // a stop sequence was met
	FinishLength       Finish = "length"        // max tokens were reached
	FinishToolCalls    Finish = "tool_calls"    // the model called tools
	FinishFiltered     Finish = "content_filter"
	FinishRefusal      Finish = "refusal"
)

// Choice is one more answer of a call asking for several (Request.Choices):
// the Result holds the first.
type Choice struct {
	Text      string
	ToolCalls []ToolCall
	Finish    Finish
}

// Chunk is one piece of a streamed answer, in order: text, thinking, or a
// tool call being written.
type Chunk struct {
	Text string
	// Thinking is a piece of the model's visible thinking; Signature ends
	// a thinking block (Anthropic's signature_delta).
	Thinking  string
	Signature string
	// ToolCall is a piece of a tool call.
	ToolCall *ToolCallChunk
	// More says another piece has already arrived and follows at once: a
	// writer may hold this one and send both in one write. Flush carries
	// no piece: it follows a held one when nothing more has arrived, and
	// the writer sends what it holds.
	More, Flush bool
}

// ToolCallChunk is a piece of the Index-th tool call of a streamed answer:
// the first piece of a call has its ID and Name, the next ones more of its
// Arguments, a JSON object written out in fragments.
type ToolCallChunk struct {
	Index     int
	ID        string
	Name      string
	Arguments string
}

// ErrUnsupported is why a request cannot go to a provider: it asks for
// something the provider's API cannot do. A front answers 400 naming the
// field, never drops it.
var ErrUnsupported = errors.New("unsupported by the provider")

// UnsupportedError is a request a provider cannot serve as asked.
type UnsupportedError struct {
	// Field is the Request's feature, named the way fronts map it to their
	// own fields: "seed", "choices", "format", "stop", "top_p", "image",
	// "image_url", "tool_choice", "serial_tool_calls", "strict_tools" (a
	// Tool's Strict), "effort", "stream", or "extra:<name>" for an Extra
	// field.
	Field string
	// Provider is the provider's name on this gateway, set by the router.
	Provider string
	Reason   string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: %s cannot serve it (%s)", e.Field, e.Provider, e.Reason)
}

func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// ThinkingBlock is one block of a model's visible thinking. Signature is
// its provider's proof that the block is unaltered (Anthropic's signature,
// Gemini's thoughtSignature), valid only at that provider; Redacted holds
// an Anthropic redacted_thinking block's data instead of text.
type ThinkingBlock struct {
	Text      string
	Signature string
	Redacted  string
}
