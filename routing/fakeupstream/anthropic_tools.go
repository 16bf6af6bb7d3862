package fakeupstream

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/tidwall/gjson"
)

// anthropicToolID is the pattern the API holds tool_use ids to.
var anthropicToolID = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// anthropicContent is the answer's content blocks: thinking first, then the
// text, then the calls. A text block is there unless the answer is only
// calls.
func anthropicContent(r Reply) []any {
	var content []any
	if r.Thinking != "" {
		content = append(content, map[string]any{"type": "thinking", "thinking": r.Thinking, "signature": signature("thinking", r.Thinking)})
	}
	if text, _ := anthropicText(r); text != "" || len(r.ToolCalls) == 0 {
		content = append(content, map[string]any{"type": "text", "text": text})
	}
	for _, c := range r.ToolCalls {
		content = append(content, map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": c.input()})
	}
	return content
}

// checkAnthropicTools: a custom tool needs a name and an input schema;
// server tools (typed web_search_…) have neither. Any may mark a cache
// breakpoint.
func checkAnthropicTools(req gjson.Result) string {
	for i, t := range req.Get("tools").Array() {
		typ := t.Get("type").Str
		if typ != "" && typ != "custom" {
			if msg := checkCacheControl(t.Get("cache_control"), fmt.Sprintf("tools.%d.%s.cache_control", i, typ)); msg != "" {
				return msg
			}
			continue
		}
		switch {
		case t.Get("name").Str == "":
			return fmt.Sprintf("tools.%d.custom.name: Field required", i)
		case !t.Get("input_schema").IsObject():
			return fmt.Sprintf("tools.%d.custom.input_schema: Field required", i)
		}
		if msg := checkCacheControl(t.Get("cache_control"), fmt.Sprintf("tools.%d.custom.cache_control", i)); msg != "" {
			return msg
		}
	}
	return ""
}

// anthropicThinkingFields are what each thinking setting may hold.
var anthropicThinkingFields = map[string]map[string]bool{
	"enabled":  setOf("type", "budget_tokens", "display"),
	"adaptive": setOf("type", "display"),
	"disabled": setOf("type"),
}

// checkAnthropicThinking: a budget of at least 1024 and under max_tokens
// (when there is one: a token count has none), and no temperature but 1
// while thinking.
func checkAnthropicThinking(req gjson.Result) string {
	t := req.Get("thinking")
	if !t.Exists() {
		return ""
	}
	if !t.IsObject() {
		return "thinking: Input should be a valid dictionary"
	}
	typ := t.Get("type").Str
	fields := anthropicThinkingFields[typ]
	if fields == nil {
		return pyTag("thinking", typ, "adaptive", "disabled", "enabled")
	}
	loc := "thinking." + typ
	if msg := first(pyObject(t, loc, fields), pyLiteral(t.Get("display"), loc+".display", "summarized", "omitted")); msg != "" {
		return msg
	}
	if typ == "enabled" {
		budget, maxTokens := t.Get("budget_tokens"), req.Get("max_tokens")
		if !budget.Exists() {
			return "thinking.enabled.budget_tokens: Field required"
		}
		if msg := pyInt(budget, "thinking.enabled.budget_tokens", 1024); msg != "" {
			return msg
		}
		if maxTokens.Exists() && budget.Int() >= maxTokens.Int() {
			return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"
		}
	}
	if temp := req.Get("temperature"); typ != "disabled" && temp.Exists() && temp.Float() != 1 {
		return "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility"
	}
	return ""
}

// checkAnthropicMessages checks the conversation as the API does: roles,
// every tool_use answered by a tool_result in the very next message and
// every tool_result answering one, tools defined when either is there,
// thinking blocks unaltered (their signature is the fake's), and, with a
// thinking budget, a turn under way that started with thinking.
func checkAnthropicMessages(req gjson.Result) string {
	msgs := req.Get("messages").Array()
	hasTools := len(req.Get("tools").Array()) > 0
	var pending []string // the tool_use ids of the message before
	for i, m := range msgs {
		role := m.Get("role").Str
		if role != "user" && role != "assistant" {
			return fmt.Sprintf("messages.%d.role: Input should be 'user' or 'assistant'", i)
		}
		var uses, results []string
		var blocks []gjson.Result // none in a plain string
		switch content := m.Get("content"); {
		case content.IsArray():
			blocks = content.Array()
		case content.Type != gjson.String:
			return fmt.Sprintf("messages.%d.content: Input should be a valid list", i)
		}
		for j, b := range blocks {
			at := fmt.Sprintf("messages.%d.content.%d", i, j)
			if msg := checkAnthropicBlock(b, at); msg != "" {
				return msg
			}
			typ := b.Get("type").Str
			switch {
			case (typ == "tool_use" || typ == "tool_result") && !hasTools:
				return "Requests which include `tool_use` or `tool_result` blocks must define tools."
			case typ == "tool_use" && role != "assistant":
				return at + ": `tool_use` blocks can only be in `assistant` messages"
			case typ == "tool_use" && !anthropicToolID.MatchString(b.Get("id").Str):
				return at + ".tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'"
			case typ == "tool_use" && !b.Get("input").IsObject():
				return at + ".tool_use.input: Input should be a valid dictionary"
			case typ == "tool_use":
				uses = append(uses, b.Get("id").Str)
			case typ == "tool_result" && role != "user":
				return at + ": `tool_result` blocks can only be in `user` messages"
			case typ == "tool_result" && !slices.Contains(pending, b.Get("tool_use_id").Str):
				return fmt.Sprintf("%s: unexpected `tool_use_id` found in `tool_result` blocks: %s. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
					at, b.Get("tool_use_id").Str)
			case typ == "tool_result":
				results = append(results, b.Get("tool_use_id").Str)
			case typ == "thinking" && b.Get("signature").Str != signature("thinking", b.Get("thinking").Str):
				return at + ": Invalid `signature` in `thinking` block"
			}
		}
		for _, id := range pending {
			if !slices.Contains(results, id) {
				return fmt.Sprintf("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", i-1, id)
			}
		}
		pending = uses
	}
	if len(pending) > 0 {
		return fmt.Sprintf("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", len(msgs)-1, pending[0])
	}
	return checkAnthropicThinkingTurn(req, msgs)
}

// checkAnthropicThinkingTurn: with a thinking budget, a request whose last
// message answers tool calls continues a turn, and that turn's assistant
// message must start with its thinking.
func checkAnthropicThinkingTurn(req gjson.Result, msgs []gjson.Result) string {
	n := len(msgs)
	if req.Get("thinking.type").Str != "enabled" || n < 2 || msgs[n-1].Get("role").Str != "user" {
		return ""
	}
	continuesTurn := false
	for _, b := range msgs[n-1].Get("content").Array() {
		continuesTurn = continuesTurn || b.Get("type").Str == "tool_result"
	}
	first := msgs[n-2].Get("content.0.type").Str
	if !continuesTurn || first == "thinking" || first == "redacted_thinking" {
		return ""
	}
	if first == "" {
		first = "text"
	}
	return fmt.Sprintf("messages.%d.content.0.type: Expected `thinking` or `redacted_thinking`, but found `%s`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
		n-2, first)
}
