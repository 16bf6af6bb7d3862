package routing

// Model is one entry of the model table: the provider's own id, the
// names callers may use for it, its prices, what it accepts and when its
// provider stops serving it.
type Model struct {
	// Alias is the name a call used for the model: its id, or one of its
	// Aliases. Table.Model returns the entry under the name asked for.
	Alias    string `json:"-"`
	Provider string `json:"provider"`
	ID       string `json:"id"`
	// Aliases are short names for the model (sonnet, gpt-mini), used by
	// routes and callers of /v1/llm.
	Aliases []string `json:"aliases,omitempty"`
	// Snapshots are other ids the provider serves this model under, which
	// the snapshot-suffix rule does not catch (claude-sonnet-4-0).
	Snapshots []string `json:"snapshots,omitempty"`
	// Kind is "embedding" for a model that only embeds text (billed for
	// its input), empty for one that generates.
	Kind string `json:"kind,omitempty"`
	// Prices are in micro-USD per million tokens, newest last; the one in
	// force is the last whose From is not after the call. A retired model
	// may have none.
	Prices []Price `json:"prices,omitempty"`
	// Retires is the UTC day (YYYY-MM-DD) the provider stops serving the
	// model: from then on calls naming it are refused, pointing to
	// Replacement, the model the provider names in its place.
	Retires     string `json:"retires,omitempty"`
	Replacement string `json:"replacement,omitempty"`
	// NoTemperature: the model refuses a non-default temperature or top_p
	// (Claude 5.x and Opus 4.7+, OpenAI reasoning models); neither is sent.
	NoTemperature bool `json:"no_temperature,omitempty"`
	// MaxTemperature caps what is sent (Anthropic accepts 0 to 1); 0 = 2.
	MaxTemperature float64 `json:"max_temperature,omitempty"`
	// MaxCompletionTokens: send max_completion_tokens, not max_tokens
	// (OpenAI's GPT-5 family and reasoning models refuse the latter).
	MaxCompletionTokens bool `json:"max_completion_tokens,omitempty"`
	// DisableThinking: send thinkingBudget 0 (Gemini 2.5 Flash and
	// Flash-Lite), so a cheap call does not pay for thoughts.
	DisableThinking bool `json:"disable_thinking,omitempty"`
	// ThinkingLevel: a Gemini 3 model, told how hard to think by
	// thinkingLevel (low or high) rather than a budget; it always thinks,
	// and answers in JSON while it may call functions (2.5 cannot).
	ThinkingLevel bool `json:"thinking_level,omitempty"`
	// AdaptiveThinking: a call asking for thinking sends Anthropic's
	// thinking {"type":"adaptive"}, the model choosing how much to think;
	// Claude 5.x refuses a fixed budget_tokens, which older models need.
	AdaptiveThinking bool `json:"adaptive_thinking,omitempty"`
	// Reasoning: an OpenAI reasoning model, which takes reasoning_effort
	// (a call's effort); one with a ReasoningEffort is one too.
	Reasoning bool `json:"reasoning,omitempty"`
	// ReasoningEffort is sent as reasoning_effort to an OpenAI reasoning
	// model: "low" keeps a small max_tokens from going all to reasoning
	// and leaving no text.
	ReasoningEffort string `json:"reasoning_effort,omitempty"`

	retiresDay int64 // Retires as a UTC day number, set by NewTable
	// adHoc marks a model made for one call, not in the table (an
	// unpriced or BYOK model the caller named): metrics do not label by
	// its id, which the caller chose.
	adHoc bool
}

// adHocModel is a model made for one call to an id the table does not
// have, priced at prices (none: free).
func adHocModel(provider, id string, prices []Price) *Model {
	if len(prices) == 0 {
		prices = []Price{{}}
	}
	return &Model{Alias: id, ID: id, Provider: provider, Prices: prices, adHoc: true}
}

// adHocModelLabel stands for every ad hoc model in metric labels.
const adHocModelLabel = "other"

// metricLabel is the model's id, or adHocModelLabel for one not in the
// table, keeping the labels' number bounded.
func (m *Model) metricLabel() string {
	if m.adHoc {
		return adHocModelLabel
	}
	return m.ID
}

// KindEmbedding marks a model that embeds rather than generates.
const KindEmbedding = "embedding"

// reasoning reports whether the model takes reasoning_effort.
func (m *Model) reasoning() bool { return m.Reasoning || m.ReasoningEffort != "" }

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
