package routing

import "encoding/json"

// Tool is a function the model may call, described by a JSON Schema of its
// input, sent in each provider's native tool-calling format.
type Tool struct {
	Name        string
	Description string
	// Parameters is a JSON Schema object describing the input.
	Parameters json.RawMessage
	// Strict asks the provider to hold the call's input to Parameters
	// exactly (OpenAI's and Anthropic's strict tools).
	Strict bool
}

// Message is one turn of a conversation with tools. A user turn carries
// Text, or the results of the tool calls of the assistant turn before it;
// an assistant turn carries Text and the tool calls the model made.
type Message struct {
	Role Role
	Text string
	// Parts, in place of Text, is a user turn of text and images.
	Parts       []Part
	ToolCalls   []ToolCall
	ToolResults []ToolResult
	// Native is the assistant turn exactly as its provider sent it. Some
	// providers need parts of it replayed (Anthropic's thinking blocks with
	// their signatures, Gemini's thought signatures); a client replays it
	// only when it speaks the same protocol, and rebuilds the turn from
	// Text and ToolCalls otherwise.
	Native *NativeTurn
}

// Role is who speaks a Message.
type Role string

// The roles of a conversation; the system prompt is Request.System.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// NativeTurn is an assistant turn in one protocol's own wire format.
type NativeTurn struct {
	// Protocol is "anthropic", "gemini" or "openai".
	Protocol string
	// Provider, when set, is the provider that made the turn: it is then
	// replayed to that provider alone, since what it signed (thinking)
	// proves nothing to another account of the same protocol.
	Provider string
	// Content is the turn's content as the provider sent it (Anthropic's
	// content array, Gemini's candidate content, OpenAI's message).
	Content json.RawMessage
}

// ToolCall is the model asking for one tool to run.
type ToolCall struct {
	// ID ties the result to the call; providers without call ids (Gemini)
	// get one made up by the client: call_<turn>_<index>, turn counting
	// the conversation's assistant turns before this one, so it is the
	// same each time and unique in the conversation.
	ID    string
	Name  string
	Input json.RawMessage // a JSON object
}

// ToolResult is what a tool call returned, sent back in the next user turn.
type ToolResult struct {
	// CallID is the ID of a call of the assistant turn just before; every
	// call there needs exactly one result.
	CallID string
	// Name is the tool's, if given: it must be the call's.
	Name   string
	Output string
	// IsError marks a failed or refused call, so the model can recover
	// (Anthropic's is_error, Gemini's "error" key, an "Error: " prefix on
	// OpenAI, which has no flag).
	IsError bool
}
