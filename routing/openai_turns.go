package routing

import (
	"encoding/json"

	"github.com/tidwall/gjson"
)

// openAIMessage is one message. Content is a string, or null beside tool
// calls; ToolCalls is a list of openAIToolCall or a replayed turn's own.
type openAIMessage struct {
	Role       string          `json:"role"`
	Content    any             `json:"content"`
	ToolCalls  any             `json:"tool_calls,omitempty"`
	Refusal    json.RawMessage `json:"refusal,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

type openAIToolCall struct {
	ID       string             `json:"id"`
	Type     string             `json:"type"` // function
	Function openAIFunctionCall `json:"function"`
}

// openAIFunctionCall carries the arguments as a JSON string, not an object.
type openAIFunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type openAITool struct {
	Type     string         `json:"type"` // function
	Function openAIFunction `json:"function"`
}

type openAIFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
}

// openAIErrorPrefix marks a failed call's output: a tool message has no
// error flag.
const openAIErrorPrefix = "Error: "

func openAITools(tools []Tool) []openAITool {
	var out []openAITool
	for _, t := range tools {
		out = append(out, openAITool{Type: "function", Function: openAIFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict}})
	}
	return out
}

func openAIMessages(turns []Message) []openAIMessage {
	var out []openAIMessage
	for i, m := range turns {
		switch {
		case m.Role == RoleAssistant:
			out = append(out, openAIAssistant(m))
		case len(m.ToolResults) > 0: // checked: turns[i-1] made the calls
			for _, r := range orderedResults(turns[i-1].ToolCalls, m.ToolResults) {
				content := r.Output
				if r.IsError {
					content = openAIErrorPrefix + content
				}
				out = append(out, openAIMessage{Role: "tool", ToolCallID: r.CallID, Content: content})
			}
			if m.Text != "" || len(m.Parts) > 0 {
				out = append(out, openAIUser(m))
			}
		default:
			out = append(out, openAIUser(m))
		}
	}
	return out
}

// openAITextPart and openAIImagePart are the parts of a user turn that
// holds more than text.
type openAITextPart struct {
	Type string `json:"type"` // text
	Text string `json:"text"`
}

type openAIImagePart struct {
	Type     string         `json:"type"` // image_url
	ImageURL openAIImageURL `json:"image_url"`
}

// openAIImageURL is the image's URL, or its bytes as a data URL.
type openAIImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// openAIUser is a user turn: its text, or its parts.
func openAIUser(m Message) openAIMessage {
	if len(m.Parts) == 0 {
		return openAIMessage{Role: "user", Content: m.Text}
	}
	parts := make([]any, 0, len(m.Parts))
	for _, p := range m.Parts {
		if p.Image == nil {
			parts = append(parts, openAITextPart{Type: "text", Text: p.Text})
			continue
		}
		url := p.Image.URL
		if url == "" {
			url = "data:" + p.Image.MediaType + ";base64," + p.Image.Base64
		}
		parts = append(parts, openAIImagePart{Type: "image_url", ImageURL: openAIImageURL{URL: url, Detail: p.Image.Detail}})
	}
	return openAIMessage{Role: "user", Content: parts}
}

// openAIAssistant replays an OpenAI turn's content, tool calls and refusal
// as sent; the rest of the answer's message (annotations, audio, a compat
// server's reasoning) is output only, which the API refuses as input.
// Another provider's turn is rebuilt from its text and calls.
func openAIAssistant(m Message) openAIMessage {
	if native := m.nativeIn(ProtocolOpenAI); native != nil {
		v := gjson.ParseBytes(native)
		msg := openAIMessage{Role: "assistant", Content: rawJSON(v.Get("content"), json.RawMessage("null"))}
		if calls := v.Get("tool_calls"); len(calls.Array()) > 0 {
			msg.ToolCalls = rawJSON(calls, nil)
		}
		if refusal := v.Get("refusal"); refusal.Type == gjson.String {
			msg.Refusal = rawJSON(refusal, nil)
		}
		return msg
	}
	msg := openAIMessage{Role: "assistant", Content: m.Text}
	if len(m.ToolCalls) == 0 {
		return msg
	}
	if m.Text == "" {
		msg.Content = nil
	}
	calls := make([]openAIToolCall, 0, len(m.ToolCalls))
	for _, c := range m.ToolCalls {
		calls = append(calls, openAIToolCall{ID: c.ID, Type: "function", Function: openAIFunctionCall{Name: c.Name, Arguments: openAIArguments(c.Input)}})
	}
	msg.ToolCalls = calls
	return msg
}

// openAIArguments is a call's input as the arguments string: the JSON
// itself, or the text of arguments that were not JSON (kept as a string by
// openAIToolCalls), as the model wrote them.
func openAIArguments(input json.RawMessage) string {
	if len(input) == 0 {
		return string(emptyObject)
	}
	if v := gjson.ParseBytes(input); v.Type == gjson.String {
		return v.Str
	}
	return string(input)
}

// openAIToolCalls reads a message's function calls. The arguments are a
// string the model wrote, usually a JSON object; when they are not JSON
// they are kept as a JSON string, for the tool to refuse.
func openAIToolCalls(v gjson.Result) []ToolCall {
	var calls []ToolCall
	for _, c := range v.Array() {
		if c.Get("type").Str != "function" && c.Get("type").Exists() {
			continue // custom tools: never offered
		}
		calls = append(calls, ToolCall{ID: c.Get("id").Str, Name: c.Get("function.name").Str,
			Input: toolInput([]byte(c.Get("function.arguments").Str))})
	}
	return calls
}
