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

// openAIMessage is the answer's message: content null beside a refusal
// or calls without text, the arguments of each call a JSON string.
func openAIMessage(r Reply) map[string]any {
	msg := map[string]any{"role": "assistant", "content": r.text(), "refusal": nil, "annotations": []any{}}
	if r.Refusal != "" {
		msg["content"], msg["refusal"] = nil, r.Refusal
		return msg
	}
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
func checkOpenAITools(req gjson.Result) *apiError {
	for i, t := range req.Get("tools").Array() {
		switch typ := t.Get("type").Str; {
		case typ != "function" && typ != "custom":
			return openAIInvalid("invalid_value", fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("Invalid value: '%s'. Supported values are: 'function' and 'custom'.", typ))
		case typ == "function" && t.Get("function.name").Str == "":
			return openAIMissing(fmt.Sprintf("tools[%d].function.name", i))
		}
	}
	return nil
}

// checkOpenAIMessages checks roles, fields and content, that each call's
// arguments are a string, that an assistant message's tool calls are each
// answered by the tool messages right after it, and that each tool
// message answers one of them.
func checkOpenAIMessages(req gjson.Result) *apiError {
	var pending []string // calls of the last assistant message not yet answered
	for i, m := range req.Get("messages").Array() {
		at := fmt.Sprintf("messages[%d]", i)
		role := m.Get("role").Str
		if !openAIRoles[role] {
			return openAIInvalid("invalid_value", at+".role", fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", role))
		}
		if extra := unknownField(m, openAIMessageFields); extra != "" {
			return openAIInvalid("", "messages", fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected) - 'messages.%d'", extra, i))
		}
		if e := checkOpenAIContent(m, i, role); e != nil {
			return e
		}
		if role == "tool" {
			id := m.Get("tool_call_id").Str
			if !slices.Contains(pending, id) {
				// The API names the parameter so, dot and brackets.
				return openAIInvalid("", fmt.Sprintf("messages.[%d].role", i), "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.")
			}
			pending = slices.DeleteFunc(pending, func(p string) bool { return p == id })
			continue
		}
		if len(pending) > 0 {
			return unansweredCalls(pending)
		}
		for j, c := range m.Get("tool_calls").Array() {
			if args := c.Get("function.arguments"); args.Type != gjson.String {
				param := fmt.Sprintf("%s.tool_calls[%d].function.arguments", at, j)
				return openAIInvalid("invalid_type", param, fmt.Sprintf("Invalid type for '%s': expected a string, but got %s instead.", param, jsonKind(args)))
			}
			pending = append(pending, c.Get("id").Str)
		}
	}
	if len(pending) > 0 {
		return unansweredCalls(pending)
	}
	return nil
}

func unansweredCalls(ids []string) *apiError {
	return openAIInvalid("", "messages", "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: "+strings.Join(ids, ", "))
}
