package routing

import (
	"fmt"
	"slices"
)

type geminiToolConfig struct {
	FunctionCallingConfig geminiFunctionCallingConfig `json:"functionCallingConfig"`
}

type geminiFunctionCallingConfig struct {
	Mode                 string   `json:"mode"` // AUTO, ANY or NONE
	AllowedFunctionNames []string `json:"allowedFunctionNames,omitempty"`
}

// geminiThinkingConfig holds a budget (Gemini 2.5) or a level (Gemini 3).
type geminiThinkingConfig struct {
	ThinkingBudget  *int   `json:"thinkingBudget,omitempty"`
	ThinkingLevel   string `json:"thinkingLevel,omitempty"`
	IncludeThoughts bool   `json:"includeThoughts,omitempty"`
}

// maxGeminiStops is the most stop sequences Gemini takes.
const maxGeminiStops = 5

// geminiToolModes are the function calling modes of a ToolChoice's modes.
var geminiToolModes = map[string]string{ToolAuto: "AUTO", ToolNone: "NONE", ToolRequired: "ANY", ToolNamed: "ANY"}

// geminiEffortBudgets are the thinking budgets of the efforts, for a
// Gemini 2.5 model; high is the most Flash takes.
var geminiEffortBudgets = map[string]int{EffortMinimal: 1024, EffortLow: 1024, EffortMedium: 8192, EffortHigh: maxGeminiThinkingBudget}

// geminiLevels are the thinking levels of the efforts, for a Gemini 3
// model, which knows low and high.
var geminiLevels = map[string]string{EffortMinimal: "low", EffortLow: "low", EffortMedium: "high", EffortHigh: "high"}

// geminiLowLevelBudget is the largest explicit budget a Gemini 3 model is
// asked to think low for.
const geminiLowLevelBudget = 4096

// Refuses names what the Gemini API cannot do: an image by URL, strict
// tools, one tool call a turn, an effort the model cannot think at, more than five stop
// sequences, several streamed answers, JSON beside functions on Gemini 2.5,
// or another protocol's fields.
func (g *gemini) Refuses(model *Model, req Request, stream bool) error {
	switch {
	case slices.ContainsFunc(req.Messages, hasImageURL):
		return unsupported("image_url", "Gemini takes images inline, not by URL, and Kaine does not fetch URLs: send the image's bytes")
	case slices.ContainsFunc(req.Tools, func(t Tool) bool { return t.Strict }):
		return unsupported("strict_tools", "Gemini cannot hold a call's input to its tool's schema exactly: leave strict out")
	case req.SerialToolCalls && len(req.Tools) > 0:
		return unsupported("serial_tool_calls", "Gemini has no setting for one tool call a turn")
	}
	if err := geminiRefusesEffort(model, req); err != nil {
		return err
	}
	if err := refusesStreamedChoices(req, stream); err != nil {
		return err
	}
	switch {
	case len(req.Stop) > maxGeminiStops:
		return unsupported("stop", fmt.Sprintf("Gemini takes at most %d stop sequences", maxGeminiStops))
	case req.Format != nil && len(req.Tools) > 0 && !model.ThinkingLevel:
		return unsupported("format", "Gemini 2.5 cannot answer in JSON while it may call functions; Gemini 3 models can")
	}
	return refusesExtra(req, ProtocolGemini)
}

// hasImageURL reports whether a turn holds an image by URL.
func hasImageURL(m Message) bool {
	return slices.ContainsFunc(m.Parts, func(p Part) bool { return p.Image != nil && p.Image.URL != "" })
}

// geminiRefusesEffort refuses an effort the model cannot think at. An
// explicit budget is always sent (as a level to Gemini 3).
func geminiRefusesEffort(model *Model, req Request) error {
	switch {
	case req.ThinkingBudget > 0 || req.Effort == "":
		return nil
	case req.Effort == EffortNone && model.ThinkingLevel:
		return unsupported("effort", "Gemini 3 models always think: ask for minimal or low")
	case req.Effort == EffortNone && !model.DisableThinking:
		return unsupported("effort", "this Gemini model's thinking cannot be turned off: ask for low")
	case req.Effort != EffortNone && !model.ThinkingLevel:
		if _, ok := effortBudget(geminiEffortBudgets, req.Effort, req.MaxTokens); !ok {
			return unsupported("effort", fmt.Sprintf("thinking on a budget needs max_tokens of at least %d", leastMaxTokensForThinking))
		}
	}
	return nil
}

// geminiThinking is the thinking config of a call, nil for the model's
// default. A budget asked for is sent as is, or as a level to Gemini 3;
// an effort as a level, or a budget (capped at half of max tokens) to 2.5;
// none as a budget of 0. Thinking alone gets half of max tokens when that
// leaves room for one (see thinkingBudget), which overrides
// DisableThinking; a model with DisableThinking is otherwise told not to
// think. Thoughts come back (includeThoughts) whenever the call asks for
// thinking.
func geminiThinking(model *Model, req Request) *geminiThinkingConfig {
	config := &geminiThinkingConfig{IncludeThoughts: asksThinking(req)}
	switch {
	case req.ThinkingBudget > 0 && model.ThinkingLevel:
		config.ThinkingLevel = geminiLevelOf(req.ThinkingBudget)
	case req.ThinkingBudget > 0:
		config.ThinkingBudget = new(req.ThinkingBudget)
	case req.Effort == EffortNone: // refused unless the model can stop thinking
		config.ThinkingBudget = new(0)
	case req.Effort != "" && model.ThinkingLevel:
		config.ThinkingLevel = geminiLevels[req.Effort]
	case req.Effort != "":
		budget, _ := effortBudget(geminiEffortBudgets, req.Effort, req.MaxTokens) // refused when not ok
		config.ThinkingBudget = &budget
	default:
		budget, ok := thinkingBudget(req.MaxTokens)
		switch {
		case req.Thinking && ok:
			config.ThinkingBudget = new(min(budget, maxGeminiThinkingBudget))
		case model.DisableThinking:
			config.ThinkingBudget, config.IncludeThoughts = new(0), false
		case !config.IncludeThoughts:
			return nil
		}
	}
	return config
}

// geminiLevelOf is the thinking level closest to a budget.
func geminiLevelOf(budget int) string {
	if budget <= geminiLowLevelBudget {
		return "low"
	}
	return "high"
}

// geminiToolConfigFor is the toolConfig of a call, nil for the default.
// Without tools there is nothing to choose.
func geminiToolConfigFor(req Request) *geminiToolConfig {
	mode := req.ToolChoice.Mode
	if len(req.Tools) == 0 || mode == "" {
		return nil
	}
	config := &geminiToolConfig{FunctionCallingConfig: geminiFunctionCallingConfig{Mode: geminiToolModes[mode]}}
	if mode == ToolNamed {
		config.FunctionCallingConfig.AllowedFunctionNames = []string{req.ToolChoice.Name}
	}
	return config
}
