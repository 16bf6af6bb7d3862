package fakeupstream

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// openAIMessageFields are what an input message may hold; output-only
// fields of an answer's message (annotations) are refused.
var openAIMessageFields = setOf("role", "content", "name", "tool_calls", "tool_call_id", "refusal", "audio", "function_call")

var openAIRoles = setOf("system", "developer", "user", "assistant", "tool", "function")

// openAIMessage is the answer's message: content null beside calls
// without text, the arguments of each call a JSON string.
func openAIMessage(r Reply) map[string]any {
	msg := map[string]any{"role": "assistant", "content": r.text(), "refusal": nil, "annotations": []any{}}
	if len(r.ToolCalls) == 0 {
		return msg
	}
	if r.text() == "" {
		msg["content"] = nil
	}
	calls := make([]any, 0, len(r.ToolCalls))
	for _, c := range r.ToolCalls {
		calls = append(calls, map[string]any{"id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": string(c.input())}})
	}
	msg["tool_calls"] = calls
	return msg
}

// checkOpenAITools: each tool is a function with a name.
func checkOpenAITools(req gjson.Result) (code, msg string) {
	for i, t := range req.Get("tools").Array() {
		switch typ := t.Get("type").Str; {
		case typ != "function" && typ != "custom":
			return "invalid_value", fmt.Sprintf("Invalid value: '%s'. Supported values are: 'function' and 'custom'.", typ)
		case typ == "function" && t.Get("function.name").Str == "":
			return "missing_required_parameter", fmt.Sprintf("Missing required parameter: 'tools[%d].function.name'.", i)
		}
	}
	return "", ""
}

// checkOpenAIMessages checks roles and fields, that each call's arguments
// are a string, that an assistant message's tool calls are each answered
// by the tool messages right after it, and that each tool message answers
// one of them.
func checkOpenAIMessages(req gjson.Result) (code, msg string) {
	var pending []string // calls of the last assistant message not yet answered
	for i, m := range req.Get("messages").Array() {
		role := m.Get("role").Str
		if !openAIRoles[role] {
			return "invalid_value", fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", role)
		}
		if extra := unknownField(m, openAIMessageFields); extra != "" {
			return "", fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected) - 'messages.%d'", extra, i)
		}
		if role == "tool" {
			id := m.Get("tool_call_id").Str
			if !slices.Contains(pending, id) {
				return "", "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
			}
			pending = slices.DeleteFunc(pending, func(p string) bool { return p == id })
			continue
		}
		if len(pending) > 0 {
			return "", unansweredCalls(pending)
		}
		for j, c := range m.Get("tool_calls").Array() {
			if args := c.Get("function.arguments"); args.Type != gjson.String {
				return "", fmt.Sprintf("Invalid type for 'messages[%d].tool_calls[%d].function.arguments': expected a string, but got %s instead.", i, j, jsonKind(args))
			}
			pending = append(pending, c.Get("id").Str)
		}
	}
	if len(pending) > 0 {
		return "", unansweredCalls(pending)
	}
	return "", ""
}

func unansweredCalls(ids []string) string {
	return "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: " + strings.Join(ids, ", ")
}

// jsonKind names a value's type the way OpenAI's validation messages do.
func jsonKind(v gjson.Result) string {
	switch {
	case !v.Exists():
		return "nothing"
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	case v.Type == gjson.Number:
		return "a decimal"
	case v.Type == gjson.True || v.Type == gjson.False:
		return "a boolean"
	}
	return "null"
}
