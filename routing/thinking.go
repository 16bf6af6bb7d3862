package routing

// minThinkingBudget is Anthropic's least thinking budget, and more than
// Gemini's least (512 on Flash-Lite).
const minThinkingBudget = 1024

// leastMaxTokensForThinking is the smallest max tokens whose half holds the
// least thinking budget.
const leastMaxTokensForThinking = 2 * minThinkingBudget

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

// effortBudget is the budget of an effort from a provider's table, capped
// at half of max tokens like thinkingBudget; ok is false when the cap is
// under the least budget.
func effortBudget(budgets map[string]int, effort string, maxTokens int) (budget int, ok bool) {
	budget = min(budgets[effort], maxTokens/2)
	return budget, budget >= minThinkingBudget
}

// asksThinking reports whether a call asks the model to think. The most
// precise of its options decides: a budget, else an effort (none is no
// thinking), else Thinking.
func asksThinking(req Request) bool {
	switch {
	case req.ThinkingBudget > 0:
		return true
	case req.Effort != "":
		return req.Effort != EffortNone
	}
	return req.Thinking
}

// explicitThinking reports whether a call sets how much to think (an
// effort or a budget), which a provider either serves or refuses; Thinking
// alone is served where the model and the call allow, else left out.
func explicitThinking(req Request) bool {
	return req.ThinkingBudget > 0 || req.Effort != "" && req.Effort != EffortNone
}
