package routing

// Model is one entry of the model table: an alias callers use, the
// provider's own id, its prices and what it accepts.
type Model struct {
	Alias    string `json:"alias"`
	Provider string `json:"provider"`
	ID       string `json:"id"`
	// Prices are in micro-USD per million tokens, newest last; the one in
	// force is the last whose From is not after the call.
	Prices []Price `json:"prices"`
	// NoTemperature: the model refuses a non-default temperature (Claude
	// 5.x and Opus 4.7+, OpenAI reasoning models); none is sent.
	NoTemperature bool `json:"no_temperature,omitempty"`
	// MaxTemperature caps what is sent (Anthropic accepts 0 to 1); 0 = 2.
	MaxTemperature float64 `json:"max_temperature,omitempty"`
	// MaxCompletionTokens: send max_completion_tokens, not max_tokens
	// (OpenAI's GPT-5 family and reasoning models refuse the latter).
	MaxCompletionTokens bool `json:"max_completion_tokens,omitempty"`
	// DisableThinking: send thinkingBudget 0 (Gemini 2.5 Flash and
	// Flash-Lite), so a cheap call does not pay for thoughts.
	DisableThinking bool `json:"disable_thinking,omitempty"`
	// AdaptiveThinking: a call asking for thinking sends Anthropic's
	// thinking {"type":"adaptive"}, the model choosing how much to think;
	// Claude 5.x refuses a fixed budget_tokens, which older models need.
	AdaptiveThinking bool `json:"adaptive_thinking,omitempty"`
	// ReasoningEffort is sent as reasoning_effort to an OpenAI reasoning
	// model: "low" keeps a small max_tokens from going all to reasoning
	// and leaving no text.
	ReasoningEffort string `json:"reasoning_effort,omitempty"`
}

// Temperature returns what to send for t, and whether to send any.
func (m *Model) Temperature(t float64) (float64, bool) {
	if m.NoTemperature {
		return 0, false
	}
	if m.MaxTemperature > 0 && t > m.MaxTemperature {
		return m.MaxTemperature, true
	}
	return t, true
}
