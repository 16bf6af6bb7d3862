package routing

// minThinkingBudget is Anthropic's least thinking budget, and more than
// Gemini's least (512 on Flash-Lite).
const minThinkingBudget = 1024

// maxGeminiThinkingBudget is the most a Gemini Flash model takes.
const maxGeminiThinkingBudget = 24576

// thinkingBudget is the token budget of a call asking for thinking: half of
// its max tokens, the other half left for the answer. Max tokens is what
// the call's reservation covered, so it is never raised to make room:
// under twice the least budget the call is made without thinking (ok is
// false).
func thinkingBudget(maxTokens int) (budget int, ok bool) {
	budget = maxTokens / 2
	return budget, budget >= minThinkingBudget
}

// effortRank orders OpenAI's reasoning efforts.
var effortRank = map[string]int{"none": 0, "minimal": 1, "low": 2, "medium": 3, "high": 4, "xhigh": 5}

// reasoningEffort is what an OpenAI model is sent as reasoning_effort: its
// own setting, raised to medium when the call asks for thinking. A model
// without a setting does not take the parameter and gets none.
func reasoningEffort(model *Model, thinking bool) string {
	effort := model.ReasoningEffort
	if effort != "" && thinking && effortRank[effort] < effortRank["medium"] {
		return "medium"
	}
	return effort
}
