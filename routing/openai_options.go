package routing

import (
	"encoding/json"
	"fmt"
)

// openAINamedTool is the tool_choice of a call that must call one tool.
type openAINamedTool struct {
	Type     string             `json:"type"` // function
	Function openAIToolChoiceFn `json:"function"`
}

type openAIToolChoiceFn struct {
	Name string `json:"name"`
}

type openAIResponseFormat struct {
	Type       string            `json:"type"` // json_object or json_schema
	JSONSchema *openAIJSONSchema `json:"json_schema,omitempty"`
}

type openAIJSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema"`
	Strict      bool            `json:"strict,omitempty"`
}

// maxOpenAIStops is the most stop sequences Chat Completions takes.
const maxOpenAIStops = 4

// openAISchemaName names a schema the caller left unnamed: the API
// requires a name.
const openAISchemaName = "response"

// effortRank orders OpenAI's reasoning efforts.
var effortRank = map[string]int{EffortNone: 0, EffortMinimal: 1, EffortLow: 2, EffortMedium: 3, EffortHigh: 4, "xhigh": 5}

// Refuses names what Chat Completions cannot do: an effort for a model
// that does not reason, more than four stop sequences, several streamed
// answers, JSON mode for messages that never name JSON, or another
// protocol's fields.
func (o *openAI) Refuses(model *Model, req Request, stream bool) error {
	switch {
	case explicitThinking(req) && !model.reasoning():
		return unsupported("effort", model.ID+" takes no reasoning_effort: pick a reasoning model")
	case len(req.Stop) > maxOpenAIStops:
		return unsupported("stop", fmt.Sprintf("OpenAI takes at most %d stop sequences", maxOpenAIStops))
	case req.Format != nil && req.Format.Type == FormatJSON && !openAIMentionsJSON(req):
		return unsupported("format", "OpenAI's JSON mode needs the word JSON in the messages: ask for JSON in the prompt, or send a json_schema format")
	}
	if err := refusesStreamedChoices(req, stream); err != nil {
		return err
	}
	return refusesExtra(req, ProtocolOpenAI)
}

// openAIReasoningEffort is what a reasoning model is sent as
// reasoning_effort: the call's effort as given, the effort closest to its
// budget, or the model's own setting, raised to medium when the call asks
// for thinking. A model that does not reason takes no reasoning_effort
// (an effort of none is what it does anyway).
func openAIReasoningEffort(model *Model, req Request) string {
	switch {
	case !model.reasoning():
		return ""
	case req.ThinkingBudget > 0:
		return openAIEffortOf(req.ThinkingBudget)
	case req.Effort != "":
		return req.Effort
	case req.Thinking && effortRank[model.ReasoningEffort] < effortRank[EffortMedium]:
		return EffortMedium
	}
	return model.ReasoningEffort
}

// openAIEffortOf is the effort closest to a thinking budget.
func openAIEffortOf(budget int) string {
	switch {
	case budget <= 2048:
		return EffortLow
	case budget <= 8192:
		return EffortMedium
	}
	return EffortHigh
}

// openAIToolChoiceFor is the tool_choice of a call, nil for the default.
// Without tools there is nothing to choose, and the API refuses one.
func openAIToolChoiceFor(req Request) any {
	switch mode := req.ToolChoice.Mode; {
	case len(req.Tools) == 0 || mode == "":
		return nil
	case mode == ToolNamed:
		return openAINamedTool{Type: "function", Function: openAIToolChoiceFn{Name: req.ToolChoice.Name}}
	default:
		return mode // auto, none and required are OpenAI's own names
	}
}

// openAIResponseFormatFor is the response_format of a call asking for JSON.
func openAIResponseFormatFor(f *Format) *openAIResponseFormat {
	switch {
	case f == nil:
		return nil
	case f.Type == FormatJSON:
		return &openAIResponseFormat{Type: FormatJSON}
	}
	name := f.Name
	if name == "" {
		name = openAISchemaName
	}
	return &openAIResponseFormat{Type: FormatSchema,
		JSONSchema: &openAIJSONSchema{Name: name, Description: f.Description, Schema: f.Schema, Strict: f.Strict}}
}

// openAIMentionsJSON reports whether a conversation names JSON somewhere,
// which OpenAI's JSON mode requires of its messages.
func openAIMentionsJSON(req Request) bool {
	if containsJSON(req.System) || containsJSON(req.Prompt) {
		return true
	}
	for _, m := range req.Messages {
		if containsJSON(m.Text) || m.Native != nil && containsJSON(m.Native.Content) {
			return true
		}
		for _, p := range m.Parts {
			if containsJSON(p.Text) {
				return true
			}
		}
		for _, r := range m.ToolResults {
			if containsJSON(r.Output) {
				return true
			}
		}
		for _, c := range m.ToolCalls {
			if containsJSON(c.Input) {
				return true
			}
		}
	}
	return false
}

// containsJSON reports whether s holds "json" in any case.
func containsJSON[T ~string | ~[]byte](s T) bool {
	for i := 0; i+4 <= len(s); i++ {
		// |0x20 folds ASCII case, and only J, S, O, N onto j, s, o, n.
		if s[i]|0x20 == 'j' && s[i+1]|0x20 == 's' && s[i+2]|0x20 == 'o' && s[i+3]|0x20 == 'n' {
			return true
		}
	}
	return false
}
