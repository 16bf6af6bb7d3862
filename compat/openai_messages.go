package compat

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// readMessages reads the conversation: system and developer messages make
// the system prompt, in order; the tool messages after an assistant's
// calls make one user turn of results, as every other provider has it.
func (c *ChatRequest) readMessages(v gjson.Result) *FieldError {
	if !v.IsArray() {
		return fieldErr("messages", "must be an array")
	}
	var system []string
	req := &c.Request
	for i, m := range v.Array() {
		param := index("messages", i)
		if err := object(m, param); err != nil {
			return err
		}
		if err := refuseMessageFields(m, param); err != nil {
			return err
		}
		switch role := m.Get("role").Str; role {
		case "system", "developer":
			s, err := joinedText(m.Get("content"), param+".content")
			if err != nil {
				return err
			}
			system = append(system, s)
		case "user":
			msg, err := c.readUser(m.Get("content"), param+".content")
			if err != nil {
				return err
			}
			req.Messages = append(req.Messages, msg)
		case "assistant":
			msg, err := readAssistant(m, param)
			if err != nil {
				return err
			}
			req.Messages = append(req.Messages, msg)
		case "tool":
			result, err := readToolResult(m, param)
			if err != nil {
				return err
			}
			req.Messages = appendResult(req.Messages, result)
		default:
			return fieldErr(param+".role", "must be system, developer, user, assistant or tool")
		}
	}
	req.System = strings.Join(system, "\n\n")
	return nil
}

// refuseMessageFields refuses what a message may carry that no provider
// but OpenAI reads: a participant name, legacy function calls, audio.
func refuseMessageFields(m gjson.Result, param string) *FieldError {
	var ferr *FieldError
	m.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "role", "content", "tool_calls", "tool_call_id", "refusal":
		default:
			if present(v) {
				ferr = fieldErr(param+"."+key.Str, "is not served by Kaine's unified endpoint; the OpenAI drop-in route (/openai/v1/chat/completions) takes it")
			}
		}
		return ferr == nil
	})
	return ferr
}

// joinedText reads content that must be text: a string, or text parts,
// joined.
func joinedText(v gjson.Result, param string) (string, *FieldError) {
	if v.Type == gjson.String {
		return v.Str, nil
	}
	if !v.IsArray() {
		return "", fieldErr(param, "must be a string or an array of text parts")
	}
	var b strings.Builder
	for i, part := range v.Array() {
		if part.Get("type").Str != "text" {
			return "", fieldErr(index(param, i)+".type", "must be text here")
		}
		s, err := text(part.Get("text"), index(param, i)+".text")
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// readUser reads a user message: text, or parts of text and images.
func (c *ChatRequest) readUser(v gjson.Result, param string) (routing.Message, *FieldError) {
	msg := routing.Message{Role: routing.RoleUser}
	if v.Type == gjson.String {
		msg.Text = v.Str
		return msg, nil
	}
	if !v.IsArray() {
		return msg, fieldErr(param, "must be a string or an array of parts")
	}
	for i, part := range v.Array() {
		at := index(param, i)
		switch part.Get("type").Str {
		case "text":
			s, err := text(part.Get("text"), at+".text")
			if err != nil {
				return msg, err
			}
			msg.Parts = append(msg.Parts, routing.Part{Text: s})
		case "image_url":
			img, err := readImageURL(part.Get("image_url"), at+".image_url")
			if err != nil {
				return msg, err
			}
			if img.URL != "" && c.imageParam == "" {
				c.imageParam = at + ".image_url.url"
			}
			msg.Parts = append(msg.Parts, routing.Part{Image: img})
		default:
			return msg, fieldErr(at+".type", "must be text or image_url; audio and files are served by the OpenAI drop-in route")
		}
	}
	if len(msg.Parts) == 1 && msg.Parts[0].Image == nil { // plain text, as most SDKs send it
		msg.Text, msg.Parts = msg.Parts[0].Text, nil
	}
	return msg, nil
}

// readImageURL reads an image: an https URL the provider fetches, or a
// data URL holding the image.
func readImageURL(v gjson.Result, param string) (*routing.Image, *FieldError) {
	url := v.Get("url").Str
	img := &routing.Image{}
	switch detail := v.Get("detail").Str; detail {
	case "", "auto":
	case "low", "high":
		img.Detail = detail
	default:
		return nil, fieldErr(param+".detail", "must be auto, low or high")
	}
	switch {
	case strings.HasPrefix(url, "https://"):
		img.URL = url
	case strings.HasPrefix(url, "data:"):
		mediaType, data, err := decodeDataURL(url)
		if err != nil {
			return nil, fieldErr(param+".url", "%s", err.Error())
		}
		if !routing.IsImageType(mediaType) {
			return nil, fieldErr(param+".url", "holds %s; every provider takes image/png, image/jpeg, image/gif or image/webp", mediaType)
		}
		img.MediaType, img.Base64 = mediaType, data
	default:
		return nil, fieldErr(param+".url", "must be an https URL or a data URL (data:image/png;base64,…)")
	}
	return img, nil
}

// readAssistant reads an assistant message: its text (or refusal) and the
// tool calls it made, their arguments kept as the model wrote them.
func readAssistant(m gjson.Result, param string) (routing.Message, *FieldError) {
	msg := routing.Message{Role: routing.RoleAssistant}
	if content := m.Get("content"); present(content) {
		s, err := assistantText(content, param+".content")
		if err != nil {
			return msg, err
		}
		msg.Text = s
	}
	if refusal := m.Get("refusal"); present(refusal) && msg.Text == "" {
		msg.Text = refusal.Str
	}
	calls := m.Get("tool_calls")
	if present(calls) && !calls.IsArray() {
		return msg, fieldErr(param+".tool_calls", "must be an array")
	}
	for i, call := range calls.Array() {
		at := index(param+".tool_calls", i)
		if call.Get("type").Str != "function" {
			return msg, fieldErr(at+".type", "must be function")
		}
		args := call.Get("function.arguments").Str
		input := json.RawMessage(args)
		switch {
		case args == "":
			input = json.RawMessage(`{}`)
		case !json.Valid(input):
			input, _ = json.Marshal(args) // a string always encodes
		}
		msg.ToolCalls = append(msg.ToolCalls, routing.ToolCall{ID: call.Get("id").Str, Name: call.Get("function.name").Str, Input: input})
	}
	return msg, nil
}

// assistantText reads an assistant's content: a string, or text and
// refusal parts.
func assistantText(v gjson.Result, param string) (string, *FieldError) {
	if !v.IsArray() {
		return joinedText(v, param)
	}
	var b strings.Builder
	for i, part := range v.Array() {
		switch part.Get("type").Str {
		case "text":
			b.WriteString(part.Get("text").Str)
		case "refusal":
			b.WriteString(part.Get("refusal").Str)
		default:
			return "", fieldErr(index(param, i)+".type", "must be text or refusal")
		}
	}
	return b.String(), nil
}

// readToolResult reads a tool message: the result of one call.
func readToolResult(m gjson.Result, param string) (routing.ToolResult, *FieldError) {
	id := m.Get("tool_call_id")
	if id.Type != gjson.String || id.Str == "" {
		return routing.ToolResult{}, fieldErr(param+".tool_call_id", "is required")
	}
	output, err := joinedText(m.Get("content"), param+".content")
	return routing.ToolResult{CallID: id.Str, Output: output}, err
}

// appendResult adds a tool result to the user turn of results the
// conversation ends with, or starts one after the assistant's calls.
func appendResult(msgs []routing.Message, r routing.ToolResult) []routing.Message {
	if n := len(msgs); n > 0 && msgs[n-1].Role == routing.RoleUser && len(msgs[n-1].ToolResults) > 0 {
		msgs[n-1].ToolResults = append(msgs[n-1].ToolResults, r)
		return msgs
	}
	return append(msgs, routing.Message{Role: routing.RoleUser, ToolResults: []routing.ToolResult{r}})
}
