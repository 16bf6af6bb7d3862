package routing

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/tidwall/gjson"
)

// The wire protocols of the providers: a NativeTurn's, a meter's, a
// drop-in route's.
const (
	ProtocolAnthropic = "anthropic"
	ProtocolGemini    = "gemini"
	ProtocolOpenAI    = "openai"
)

// toolName is what every provider takes as a function name: Anthropic and
// OpenAI allow letters, digits, _ and -, up to 64; Gemini must not start
// with a digit or -.
var toolName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$`)

// checkRequest refuses, before any provider is called, a request no
// provider would take: each provider would refuse it with its own 400, or
// worse, one would take it and the next, after a failover, would not. The
// error wraps ErrInvalidRequest.
func checkRequest(req Request) error {
	if err := requestProblem(req); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return nil
}

// checkUnplanned runs Plan's checks (the request's own, the client's
// refusals) on a request the router did not plan: a client called alone.
func checkUnplanned(refuses func(*Model, Request, bool) error, model *Model, req Request, stream bool) error {
	if req.checked {
		return nil
	}
	if err := checkRequest(req); err != nil {
		return err
	}
	return refuses(model, req, stream)
}

func requestProblem(req Request) error {
	if req.Prompt != "" && len(req.Messages) > 0 {
		return invalidField("messages", errors.New("prompt and messages are exclusive; put the prompt in the conversation's first user message"))
	}
	seen := make(map[string]bool, len(req.Tools))
	for i, t := range req.Tools {
		switch {
		case !toolName.MatchString(t.Name):
			return invalidField("tools", fmt.Errorf("tool %d: name %q must be 1 to 64 letters, digits, _ or -, and not start with a digit or -", i+1, t.Name))
		case seen[t.Name]:
			return invalidField("tools", fmt.Errorf("tool %s is listed twice", t.Name))
		case len(t.Parameters) > 0 && !isJSONObject(t.Parameters):
			return invalidField("tools", fmt.Errorf("tool %s: parameters must be a JSON Schema object", t.Name))
		}
		seen[t.Name] = true
	}
	if err := checkOptions(req, seen); err != nil {
		return err
	}
	if err := checkMessages(req.Messages, len(req.Tools) > 0); err != nil {
		return invalidField("messages", err)
	}
	return nil
}

// checkMessages checks a conversation's shape: it starts with the user,
// each assistant turn's tool calls are all answered in the next user turn,
// and each result answers one of them.
func checkMessages(msgs []Message, haveTools bool) error {
	for i, m := range msgs {
		at := fmt.Sprintf("message %d", i+1)
		switch m.Role {
		case RoleUser:
			switch {
			case m.Text == "" && len(m.ToolResults) == 0 && len(m.Parts) == 0:
				return fmt.Errorf("%s: a user message needs text or tool results", at)
			case m.Text != "" && len(m.Parts) > 0:
				return fmt.Errorf("%s: a user message has text or parts, not both", at)
			case len(m.ToolCalls) > 0 || m.Native != nil:
				return fmt.Errorf("%s: only an assistant message carries tool calls or a native turn", at)
			}
			if err := checkResults(msgs, i); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			if err := checkParts(m.Parts); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
		case RoleAssistant:
			switch {
			case i == 0:
				return errors.New("message 1: the conversation must start with a user message")
			case m.Text == "" && len(m.ToolCalls) == 0 && m.Native == nil:
				return fmt.Errorf("%s: an assistant message needs text, tool calls or a native turn", at)
			case len(m.ToolResults) > 0 || len(m.Parts) > 0:
				return fmt.Errorf("%s: only a user message carries tool results or parts", at)
			case len(m.ToolCalls) > 0 && !haveTools:
				return fmt.Errorf("%s has tool calls: the request must list its tools", at)
			case m.Native != nil && !json.Valid(m.Native.Content):
				return fmt.Errorf("%s: the native turn is not JSON", at)
			}
			if err := checkCalls(msgs, i); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
		default:
			return fmt.Errorf("%s: role %q is neither %q nor %q", at, m.Role, RoleUser, RoleAssistant)
		}
	}
	return nil
}

// checkCalls checks the tool calls of the assistant message msgs[i], and
// that the next message answers each of them.
func checkCalls(msgs []Message, i int) error {
	calls := msgs[i].ToolCalls
	for j, c := range calls {
		switch {
		case c.ID == "" || c.Name == "":
			return fmt.Errorf("tool call %d needs an id and a name", j+1)
		case len(c.Input) > 0 && !json.Valid(c.Input):
			return fmt.Errorf("tool call %s: the input is not JSON", c.ID)
		case slices.ContainsFunc(calls[:j], func(o ToolCall) bool { return o.ID == c.ID }):
			return fmt.Errorf("tool call id %s is used twice", c.ID)
		}
		answered := i+1 < len(msgs) && slices.ContainsFunc(msgs[i+1].ToolResults, func(r ToolResult) bool { return r.CallID == c.ID })
		if !answered {
			return fmt.Errorf("tool call %s (%s) has no result in the next message; every provider needs one", c.ID, c.Name)
		}
	}
	return nil
}

// checkResults checks that each tool result of msgs[i] answers, once, a
// call of the assistant message before it.
func checkResults(msgs []Message, i int) error {
	results := msgs[i].ToolResults
	var calls []ToolCall
	if i > 0 {
		calls = msgs[i-1].ToolCalls
	}
	for j, r := range results {
		k := slices.IndexFunc(calls, func(c ToolCall) bool { return c.ID == r.CallID })
		switch {
		case k < 0:
			return fmt.Errorf("tool result %d answers %q, which is not a tool call of the message before", j+1, r.CallID)
		case r.Name != "" && r.Name != calls[k].Name:
			return fmt.Errorf("tool result %d names tool %s, but call %s is of %s", j+1, r.Name, r.CallID, calls[k].Name)
		case slices.ContainsFunc(results[:j], func(o ToolResult) bool { return o.CallID == r.CallID }):
			return fmt.Errorf("tool call %s is answered twice", r.CallID)
		}
	}
	return nil
}

// conversation is the turns a request sends: its Messages, or its Prompt
// as the one user turn.
func conversation(req Request) []Message {
	if len(req.Messages) > 0 {
		return req.Messages
	}
	return []Message{{Role: RoleUser, Text: req.Prompt}}
}

// nativeIn returns the turn as its provider sent it when that provider
// speaks protocol, to replay verbatim; nil means rebuild it.
func (m Message) nativeIn(protocol string) json.RawMessage {
	if m.Native == nil || m.Native.Protocol != protocol {
		return nil
	}
	return m.Native.Content
}

// orderedResults returns the results of a user turn in the order of the
// calls they answer (the assistant turn before it), named after them:
// Gemini pairs calls and responses by name and position. The conversation
// was checked: each call has exactly one result.
func orderedResults(calls []ToolCall, results []ToolResult) []ToolResult {
	ordered := make([]ToolResult, 0, len(results))
	for _, c := range calls {
		i := slices.IndexFunc(results, func(r ToolResult) bool { return r.CallID == c.ID })
		r := results[i]
		r.Name = c.Name
		ordered = append(ordered, r)
	}
	return ordered
}

// assistantTurns is how many assistant turns a conversation has had.
func assistantTurns(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == RoleAssistant {
			n++
		}
	}
	return n
}

// emptyObject is the input of a call without one, and the schema of a tool
// without parameters.
var emptyObject = json.RawMessage(`{}`)

// objectOr returns v when it is a JSON object, else fallback: Anthropic and
// Gemini take only an object as a call's input, and a model may have sent
// other JSON (or broken JSON, kept as a string) through OpenAI.
func objectOr(v, fallback json.RawMessage) json.RawMessage {
	if isJSONObject(v) {
		return v
	}
	return fallback
}

// toolInput is a call's input from the arguments a model wrote: {} for
// none, the JSON itself, or arguments that are not JSON (cut off, broken)
// kept as a JSON string, for the tool to refuse.
func toolInput(args []byte) json.RawMessage {
	switch {
	case len(args) == 0:
		return emptyObject
	case !json.Valid(args):
		quoted, _ := json.Marshal(string(args)) // a string always encodes
		return quoted
	}
	return args
}

func isJSONObject(v []byte) bool {
	return gjson.ValidBytes(v) && gjson.ParseBytes(v).IsObject()
}

// rawJSON copies a value out of an answer (gjson's Raw shares the whole
// body), or gives fallback when it is missing.
func rawJSON(v gjson.Result, fallback json.RawMessage) json.RawMessage {
	if !v.Exists() {
		return fallback
	}
	return json.RawMessage(v.Raw)
}

// keepingTurn wraps read to keep a conversation's assistant turn as its
// provider sent it (the value at path), for the conversation's next call
// (see keepsTurn).
func keepingTurn(req Request, protocol, path string, read answerReader) answerReader {
	if !keepsTurn(req) {
		return read
	}
	return func(answer gjson.Result, res *Result) {
		read(answer, res)
		if turn := answer.Get(path); turn.IsObject() || turn.IsArray() {
			res.Native = &NativeTurn{Protocol: protocol, Content: rawJSON(turn, nil)}
		}
	}
}

// nativeFor is req as provider may see it: turns another provider made
// and signed lose their native form, to be rebuilt from text and calls.
// The request is copied only when a turn must change.
func nativeFor(req Request, provider string) Request {
	foreign := func(m Message) bool {
		return m.Native != nil && m.Native.Provider != "" && m.Native.Provider != provider
	}
	if !slices.ContainsFunc(req.Messages, foreign) {
		return req
	}
	req.Messages = slices.Clone(req.Messages)
	for i, m := range req.Messages {
		if foreign(m) {
			req.Messages[i].Native = nil
		}
	}
	return req
}
