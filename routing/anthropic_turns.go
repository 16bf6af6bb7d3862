package routing

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"
)

// anthropicMessage is one turn. Content is a string for plain text, a list
// of blocks for tool calls and results, or a replayed turn's own content.
type anthropicMessage struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

type anthropicText struct {
	Type string `json:"type"` // text
	Text string `json:"text"`
}

type anthropicToolUse struct {
	Type  string          `json:"type"` // tool_use
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

type anthropicToolResult struct {
	Type      string `json:"type"` // tool_result
	ToolUseID string `json:"tool_use_id"`
	Content   string `json:"content,omitempty"`
	IsError   bool   `json:"is_error,omitempty"`
}

type anthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
	Strict      bool            `json:"strict,omitempty"`
}

// anthropicImage is an image block; its source is a URL the API fetches,
// or the image's bytes.
type anthropicImage struct {
	Type   string               `json:"type"` // image
	Source anthropicImageSource `json:"source"`
}

type anthropicImageSource struct {
	Type      string `json:"type"` // url or base64
	URL       string `json:"url,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"` // base64
}

// anthropicNoParameters is the schema of a tool without parameters: the
// API requires one.
var anthropicNoParameters = json.RawMessage(`{"type":"object","properties":{}}`)

func anthropicTools(tools []Tool) []anthropicTool {
	var out []anthropicTool
	for _, t := range tools {
		schema := t.Parameters
		if len(schema) == 0 {
			schema = anthropicNoParameters
		}
		out = append(out, anthropicTool{Name: t.Name, Description: t.Description, InputSchema: schema, Strict: t.Strict})
	}
	return out
}

func anthropicMessages(turns []Message) []anthropicMessage {
	out := make([]anthropicMessage, 0, len(turns))
	for i, m := range turns {
		switch {
		case m.Role == RoleAssistant:
			out = append(out, anthropicAssistant(m))
		case len(m.ToolResults) > 0: // checked: turns[i-1] made the calls
			out = append(out, anthropicResults(turns[i-1], m))
		case len(m.Parts) > 0:
			out = append(out, anthropicMessage{Role: "user", Content: anthropicParts(nil, m.Parts)})
		default:
			out = append(out, anthropicMessage{Role: "user", Content: m.Text})
		}
	}
	return out
}

// anthropicAssistant replays an Anthropic turn verbatim: its thinking
// blocks and their signatures must come back unchanged. Another
// provider's turn is rebuilt from its text and calls.
func anthropicAssistant(m Message) anthropicMessage {
	if native := m.nativeIn(ProtocolAnthropic); native != nil {
		return anthropicMessage{Role: "assistant", Content: native}
	}
	if len(m.ToolCalls) == 0 {
		return anthropicMessage{Role: "assistant", Content: m.Text}
	}
	var blocks []any
	if m.Text != "" {
		blocks = append(blocks, anthropicText{Type: "text", Text: m.Text})
	}
	for _, c := range m.ToolCalls {
		blocks = append(blocks, anthropicToolUse{Type: "tool_use", ID: anthropicToolID(c.ID), Name: c.Name,
			Input: objectOr(c.Input, emptyObject)})
	}
	return anthropicMessage{Role: "assistant", Content: blocks}
}

// anthropicResults answers the calls of the assistant turn before, in
// their order, before any text or parts: the API wants tool_result
// blocks first.
func anthropicResults(calls, m Message) anthropicMessage {
	var blocks []any
	for _, r := range orderedResults(calls.ToolCalls, m.ToolResults) {
		blocks = append(blocks, anthropicToolResult{Type: "tool_result", ToolUseID: anthropicToolID(r.CallID),
			Content: r.Output, IsError: r.IsError})
	}
	if m.Text != "" {
		blocks = append(blocks, anthropicText{Type: "text", Text: m.Text})
	}
	return anthropicMessage{Role: "user", Content: anthropicParts(blocks, m.Parts)}
}

// anthropicParts appends a user turn's parts to blocks: texts and images.
// An image's Detail is OpenAI's resolution hint, which Anthropic has no
// field for: the image is read as Claude reads every image.
func anthropicParts(blocks []any, parts []Part) []any {
	for _, p := range parts {
		img := p.Image
		switch {
		case img == nil:
			blocks = append(blocks, anthropicText{Type: "text", Text: p.Text})
		case img.URL != "":
			blocks = append(blocks, anthropicImage{Type: "image", Source: anthropicImageSource{Type: "url", URL: img.URL}})
		default:
			blocks = append(blocks, anthropicImage{Type: "image", Source: anthropicImageSource{Type: "base64", MediaType: img.MediaType, Data: img.Base64}})
		}
	}
	return blocks
}

// anthropicToolID maps a call id from another provider to what Anthropic
// takes (letters, digits, _ and -); its own ids pass unchanged.
func anthropicToolID(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, id)
}

// anthropicTurnThinks reports whether the conversation's turn under way
// may think: none is under way, or its last assistant message, as
// Anthropic sent it, starts with thinking.
func anthropicTurnThinks(turns []Message) bool {
	n := len(turns)
	if n < 2 || len(turns[n-1].ToolResults) == 0 {
		return true
	}
	first := gjson.GetBytes(turns[n-2].nativeIn(ProtocolAnthropic), "0.type").Str
	return first == "thinking" || first == "redacted_thinking"
}
