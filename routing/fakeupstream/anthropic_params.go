package fakeupstream

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Anthropic's tool_choice members and the fields each may hold, in the
// order its refusals list them.
var (
	anthropicToolChoices     = []string{"auto", "any", "tool", "none"}
	anthropicToolChoiceField = map[string]map[string]bool{
		"auto": setOf("type", "disable_parallel_tool_use"),
		"any":  setOf("type", "disable_parallel_tool_use"),
		"tool": setOf("type", "name", "disable_parallel_tool_use"),
		"none": setOf("type"),
	}
)

// checkAnthropicParams checks the request's parameters beside the
// conversation and its tools: sampling, stop sequences, metadata, tiers,
// the system prompt, the output config and the tool choice.
func checkAnthropicParams(req gjson.Result) string {
	return first(
		checkStopSequences(req.Get("stop_sequences")),
		pyNumber(req.Get("top_p"), "top_p", 0, 1),
		pyInt(req.Get("top_k"), "top_k", 0),
		checkAnthropicMetadata(req.Get("metadata")),
		pyLiteral(req.Get("service_tier"), "service_tier", "auto", "standard_only"),
		pyLiteral(req.Get("speed"), "speed", "standard", "fast"),
		checkCacheControl(req.Get("cache_control"), "cache_control"),
		checkAnthropicSystem(req.Get("system")),
		checkAnthropicOutputConfig(req.Get("output_config")),
		checkAnthropicToolChoice(req),
	)
}

// checkStopSequences: a list of strings, none of them blank.
func checkStopSequences(stops gjson.Result) string {
	switch {
	case !stops.Exists():
		return ""
	case !stops.IsArray():
		return "stop_sequences: Input should be a valid list"
	}
	for i, stop := range stops.Array() {
		if msg := pyString(stop, fmt.Sprintf("stop_sequences.%d", i)); msg != "" {
			return msg
		}
		if strings.TrimSpace(stop.Str) == "" {
			return "stop_sequences: each stop sequence must contain non-whitespace"
		}
	}
	return ""
}

// checkAnthropicMetadata: user_id only, a string of at most 256
// characters, or null.
func checkAnthropicMetadata(m gjson.Result) string {
	user := m.Get("user_id")
	if msg := pyObject(m, "metadata", setOf("user_id")); msg != "" || user.Type == gjson.Null {
		return msg
	}
	if msg := pyString(user, "metadata.user_id"); msg != "" {
		return msg
	}
	if len(user.Str) > 256 {
		return "metadata.user_id: String should have at most 256 characters"
	}
	return ""
}

// checkAnthropicSystem: a string, or a list of text blocks.
func checkAnthropicSystem(system gjson.Result) string {
	switch {
	case !system.Exists() || system.Type == gjson.String:
		return ""
	case !system.IsArray():
		return "system: Input should be a valid list"
	}
	for i, b := range system.Array() {
		loc := fmt.Sprintf("system.%d", i)
		switch {
		case !b.IsObject():
			return loc + ": Input should be a valid dictionary"
		case b.Get("type").Str != "text":
			return loc + ".type: Input should be 'text'"
		}
		if msg := checkAnthropicBlockFields(b, loc, "text"); msg != "" {
			return msg
		}
	}
	return ""
}

// checkAnthropicOutputConfig: an effort, and a format that is a JSON
// schema.
func checkAnthropicOutputConfig(oc gjson.Result) string {
	format := oc.Get("format")
	msg := first(
		pyObject(oc, "output_config", setOf("effort", "format")),
		pyLiteral(oc.Get("effort"), "output_config.effort", "low", "medium", "high", "xhigh", "max"),
		pyObject(format, "output_config.format", setOf("type", "schema")),
	)
	if msg != "" || !format.Exists() {
		return msg
	}
	schema := format.Get("schema")
	switch {
	case !format.Get("type").Exists():
		return "output_config.format.type: Field required"
	case !schema.Exists():
		return "output_config.format.schema: Field required"
	case !schema.IsObject():
		return "output_config.format.schema: Input should be a valid dictionary"
	}
	return pyLiteral(format.Get("type"), "output_config.format.type", "json_schema")
}

// checkAnthropicToolChoice: one of the tagged members, a named tool among
// the tools, tools given unless the choice is none, and no thinking while
// a tool is forced.
func checkAnthropicToolChoice(req gjson.Result) string {
	tc := req.Get("tool_choice")
	if !tc.Exists() {
		return ""
	}
	if !tc.IsObject() {
		return "tool_choice: Input should be a valid dictionary"
	}
	typ := tc.Get("type").Str
	fields := anthropicToolChoiceField[typ]
	if fields == nil {
		return pyTag("tool_choice", typ, anthropicToolChoices...)
	}
	loc := "tool_choice." + typ
	name := tc.Get("name")
	msg := first(
		pyObject(tc, loc, fields),
		pyBool(tc.Get("disable_parallel_tool_use"), loc+".disable_parallel_tool_use"),
		pyString(name, loc+".name"),
	)
	if msg != "" {
		return msg
	}
	tools := req.Get("tools").Array()
	switch {
	case typ == "tool" && !name.Exists():
		return loc + ".name: Field required"
	case typ != "none" && len(tools) == 0:
		return "tool_choice: tool_choice may only be specified while providing tools."
	case typ == "tool" && !hasToolNamed(tools, name.Str):
		return fmt.Sprintf("tool_choice.name: Tool '%s' not found in provided tools", name.Str)
	case (typ == "any" || typ == "tool") && (req.Get("thinking.type").Str == "enabled" || req.Get("thinking.type").Str == "adaptive"):
		return "Thinking may not be enabled when tool_choice forces tool use."
	}
	return ""
}

func hasToolNamed(tools []gjson.Result, name string) bool {
	for _, t := range tools {
		if t.Get("name").Str == name {
			return true
		}
	}
	return false
}
