package compat

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// readMessages reads the conversation. A user turn's tool_result blocks
// answer the calls of the assistant turn before; its text and images are
// the rest of the turn. An assistant turn keeps its blocks as Anthropic
// sent them when its thinking is Anthropic's, to be replayed there.
func (m *MessagesRequest) readMessages(v gjson.Result) *FieldError {
	if !v.IsArray() {
		return fieldErr("messages", "must be an array")
	}
	for i, msg := range v.Array() {
		param := index("messages", i)
		if err := object(msg, param); err != nil {
			return err
		}
		var turn routing.Message
		var err *FieldError
		switch role := msg.Get("role").Str; role {
		case "user":
			turn, err = m.readUserTurn(msg.Get("content"), param+".content")
		case "assistant":
			turn, err = m.readAssistantTurn(msg.Get("content"), param+".content")
		default:
			return fieldErr(param+".role", "must be user or assistant")
		}
		if err != nil {
			return err
		}
		m.Request.Messages = append(m.Request.Messages, turn)
	}
	return nil
}

// blocks reads content: a string is one text block.
func blocks(v gjson.Result, param string) ([]gjson.Result, *FieldError) {
	if v.Type == gjson.String {
		return []gjson.Result{gjson.Parse(`{"type":"text","text":` + v.Raw + `}`)}, nil
	}
	if !v.IsArray() {
		return nil, fieldErr(param, "must be a string or an array of content blocks")
	}
	return v.Array(), nil
}

func (m *MessagesRequest) readUserTurn(v gjson.Result, param string) (routing.Message, *FieldError) {
	turn := routing.Message{Role: routing.RoleUser}
	content, err := blocks(v, param)
	if err != nil {
		return turn, err
	}
	for i, block := range content {
		at := index(param, i)
		m.noteCache(block)
		switch block.Get("type").Str {
		case "text":
			turn.Parts = append(turn.Parts, routing.Part{Text: block.Get("text").Str})
		case "image":
			img, err := m.readImage(block.Get("source"), at+".source")
			if err != nil {
				return turn, err
			}
			turn.Parts = append(turn.Parts, routing.Part{Image: img})
		case "tool_result":
			result, err := readAnthropicResult(block, at)
			if err != nil {
				return turn, err
			}
			turn.ToolResults = append(turn.ToolResults, result)
		default:
			return turn, fieldErr(at+".type", "must be text, image or tool_result; documents and search results are served by the Anthropic drop-in route")
		}
	}
	if len(turn.Parts) == 1 && turn.Parts[0].Image == nil || len(turn.ToolResults) > 0 && allText(turn.Parts) {
		turn.Text, turn.Parts = joinParts(turn.Parts), nil
	}
	return turn, nil
}

func allText(parts []routing.Part) bool {
	for _, p := range parts {
		if p.Image != nil {
			return false
		}
	}
	return true
}

func joinParts(parts []routing.Part) string {
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n\n")
}

// readImage reads an image source: base64 data or an https URL.
func (m *MessagesRequest) readImage(src gjson.Result, param string) (*routing.Image, *FieldError) {
	switch src.Get("type").Str {
	case "base64":
		mediaType, data := src.Get("media_type").Str, src.Get("data").Str
		if !routing.IsImageType(mediaType) {
			return nil, fieldErr(param+".media_type", "must be image/png, image/jpeg, image/gif or image/webp")
		}
		if !validBase64(data) {
			return nil, fieldErr(param+".data", "holds no valid base64 image")
		}
		return &routing.Image{MediaType: mediaType, Base64: data}, nil
	case "url":
		url := src.Get("url").Str
		if !strings.HasPrefix(url, "https://") {
			return nil, fieldErr(param+".url", "must be an https URL")
		}
		if m.imageParam == "" {
			m.imageParam = param + ".url"
		}
		return &routing.Image{URL: url}, nil
	}
	return nil, fieldErr(param+".type", "must be base64 or url")
}

// readAnthropicResult reads a tool_result block: its content is a string
// or text blocks (images in a result are served by the drop-in route).
func readAnthropicResult(block gjson.Result, param string) (routing.ToolResult, *FieldError) {
	id := block.Get("tool_use_id").Str
	if id == "" {
		return routing.ToolResult{}, fieldErr(param+".tool_use_id", "is required")
	}
	result := routing.ToolResult{CallID: id, IsError: block.Get("is_error").Bool()}
	content := block.Get("content")
	if !present(content) {
		return result, nil
	}
	parts, err := blocks(content, param+".content")
	if err != nil {
		return result, err
	}
	var texts []string
	for i, part := range parts {
		if part.Get("type").Str != "text" {
			return result, fieldErr(index(param+".content", i)+".type", "must be text; a result with images is served by the Anthropic drop-in route")
		}
		texts = append(texts, part.Get("text").Str)
	}
	result.Output = strings.Join(texts, "\n\n")
	return result, nil
}

// readAssistantTurn reads an assistant turn: its text, tool calls and, for
// its thinking, the blocks as the provider that made them sent them, to be
// replayed there and nowhere else (see nativeThinking).
func (m *MessagesRequest) readAssistantTurn(v gjson.Result, param string) (routing.Message, *FieldError) {
	turn := routing.Message{Role: routing.RoleAssistant}
	content, err := blocks(v, param)
	if err != nil {
		return turn, err
	}
	var text strings.Builder
	thinks := false
	for i, block := range content {
		at := index(param, i)
		m.noteCache(block)
		switch block.Get("type").Str {
		case "text":
			text.WriteString(block.Get("text").Str)
		case "tool_use":
			input := block.Get("input")
			if !input.IsObject() {
				return turn, fieldErr(at+".input", "must be an object")
			}
			turn.ToolCalls = append(turn.ToolCalls, routing.ToolCall{ID: block.Get("id").Str, Name: block.Get("name").Str, Input: json.RawMessage(input.Raw)})
		case "thinking", "redacted_thinking":
			thinks = true
		default:
			return turn, fieldErr(at+".type", "must be text, tool_use, thinking or redacted_thinking")
		}
	}
	turn.Text = text.String()
	if thinks {
		turn.Native = nativeThinking(v)
	}
	return turn, nil
}

// anthropicParams name routing's fields as the Messages request does.
var anthropicParams = map[string]string{
	"format": "output_config.format", "effort": "output_config.effort", "thinking_budget": "thinking.budget_tokens",
	"stop": "stop_sequences", "serial_tool_calls": "tool_choice.disable_parallel_tool_use", "user": "metadata.user_id",
	"strict_tools": "tools", "image": "messages",
}

// Param names, as the request does, a routing field a provider refused
// or found invalid: the effort of a call that set a thinking budget is
// that budget.
func (m *MessagesRequest) Param(field string) string {
	if field == "effort" && m.Request.ThinkingBudget > 0 {
		field = "thinking_budget"
	}
	return paramOf(field, anthropicParams, m.imageParam)
}
