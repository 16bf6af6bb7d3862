package routing

import (
	"encoding/json"
	"fmt"
)

type anthropicToolChoice struct {
	Type                   string `json:"type"` // auto, any, tool or none
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

type anthropicThinking struct {
	Type         string `json:"type"` // enabled or adaptive
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

type anthropicOutputConfig struct {
	Effort string           `json:"effort,omitempty"`
	Format *anthropicFormat `json:"format,omitempty"`
}

type anthropicFormat struct {
	Type   string          `json:"type"` // json_schema
	Schema json.RawMessage `json:"schema"`
}

type anthropicMetadata struct {
	UserID string `json:"user_id"`
}

// anthropicToolModes are the tool_choice types of a ToolChoice's modes.
var anthropicToolModes = map[string]string{"": "auto", ToolAuto: "auto", ToolNone: "none", ToolRequired: "any", ToolNamed: "tool"}

// anthropicEffortBudgets are the thinking budgets of the efforts, for a
// model that thinks on a budget.
var anthropicEffortBudgets = map[string]int{EffortMinimal: 1024, EffortLow: 1024, EffortMedium: 4096, EffortHigh: 16384}

// anthropicEfforts are output_config's efforts, for a model with adaptive
// thinking: it has no minimal.
var anthropicEfforts = map[string]string{EffortMinimal: "low", EffortLow: "low", EffortMedium: "medium", EffortHigh: "high"}

// Refuses names what the Messages API cannot do: a seed, several answers,
// JSON without a schema, temperature with top_p, a thinking budget under
// its least, thinking while a tool call is forced, or another protocol's
// fields.
func (a *anthropic) Refuses(model *Model, req Request, _ bool) error {
	_, thinks := anthropicThinkingFor(model, req)
	if thinks && forcesToolCall(req) {
		return unsupported("tool_choice", "Claude cannot think while a tool call is forced: use tool_choice auto, or leave the effort out")
	}
	if explicitThinking(req) && !model.AdaptiveThinking {
		if err := anthropicRefusesBudget(req); err != nil {
			return err
		}
	}
	switch {
	case !thinks && req.Temperature != nil && req.TopP != nil && !model.NoTemperature:
		return unsupported("top_p", "Claude takes temperature or top_p, not both: send one")
	case req.Seed != nil:
		return unsupported("seed", "Anthropic's Messages API takes no seed")
	case req.Choices > 1:
		return unsupported("choices", "Anthropic makes one answer a call: ask for one, or make several calls")
	case req.Format != nil && req.Format.Type == FormatJSON:
		return unsupported("format", "Anthropic has no JSON mode; its structured output takes a schema: send a json_schema format")
	}
	return refusesExtra(req, ProtocolAnthropic)
}

// anthropicRefusesBudget refuses an explicit budget, or an effort's, under
// Anthropic's least.
func anthropicRefusesBudget(req Request) error {
	if _, ok := anthropicBudget(req); ok {
		return nil
	}
	if req.ThinkingBudget > 0 {
		return unsupported("effort", fmt.Sprintf("Anthropic's least thinking budget is %d tokens", minThinkingBudget))
	}
	return unsupported("effort", fmt.Sprintf("thinking on a budget needs max_tokens of at least %d", leastMaxTokensForThinking))
}

// anthropicThinkingFor is the thinking parameter of a call, and whether it
// thinks at all. A model with adaptive thinking decides how much to think. Otherwise the
// budget is the call's own, its effort's, or half of max_tokens; a call
// that only asks for Thinking is made without it when max_tokens is too
// small for Anthropic's least budget or a tool call is forced (the API
// refuses thinking then). So is a call in the middle of a turn (its last
// message answers tool calls) that started without thinking, here or at
// another provider: a tool-use loop is one turn, and the API refuses
// thinking switched on inside it.
func anthropicThinkingFor(model *Model, req Request) (anthropicThinking, bool) {
	if !asksThinking(req) || forcesToolCall(req) && !explicitThinking(req) {
		return anthropicThinking{}, false
	}
	if model.AdaptiveThinking { // Claude 5.x refuses a fixed budget
		return anthropicThinking{Type: "adaptive"}, true
	}
	budget, ok := anthropicBudget(req)
	if !ok || !anthropicTurnThinks(req.Messages) {
		return anthropicThinking{}, false
	}
	return anthropicThinking{Type: "enabled", BudgetTokens: budget}, true
}

// anthropicBudget is the thinking budget of a call asking for thinking,
// and whether it is at least Anthropic's least.
func anthropicBudget(req Request) (int, bool) {
	switch {
	case req.ThinkingBudget > 0:
		return req.ThinkingBudget, req.ThinkingBudget >= minThinkingBudget
	case req.Effort != "":
		return effortBudget(anthropicEffortBudgets, req.Effort, req.MaxTokens)
	}
	return thinkingBudget(req.MaxTokens)
}

// anthropicToolChoiceFor is the tool_choice of a call, nil for the
// default. Without tools there is nothing to choose, and the API refuses a
// tool_choice.
func anthropicToolChoiceFor(req Request) *anthropicToolChoice {
	if len(req.Tools) == 0 || req.ToolChoice.Mode == "" && !req.SerialToolCalls {
		return nil
	}
	choice := &anthropicToolChoice{Type: anthropicToolModes[req.ToolChoice.Mode]}
	if req.ToolChoice.Mode == ToolNamed {
		choice.Name = req.ToolChoice.Name
	}
	// none takes no other field: with no call there is nothing to serialize.
	choice.DisableParallelToolUse = req.SerialToolCalls && req.ToolChoice.Mode != ToolNone
	return choice
}

// anthropicOutputConfigFor is the output_config of a call: the effort of
// adaptive thinking, and the schema of a JSON answer (a JSON object
// without one is refused).
func anthropicOutputConfigFor(req Request, thinking *anthropicThinking) *anthropicOutputConfig {
	var config anthropicOutputConfig
	if thinking != nil && thinking.Type == "adaptive" {
		config.Effort = anthropicEfforts[req.Effort]
	}
	if f := req.Format; f != nil && f.Type == FormatSchema {
		config.Format = &anthropicFormat{Type: FormatSchema, Schema: f.Schema}
	}
	if config == (anthropicOutputConfig{}) {
		return nil
	}
	return &config
}

// anthropicMetadataFor carries the caller's end user, for Anthropic's
// abuse monitoring.
func anthropicMetadataFor(user string) *anthropicMetadata {
	if user == "" {
		return nil
	}
	return &anthropicMetadata{UserID: user}
}
