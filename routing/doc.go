// Package routing calls LLM providers: one client per wire protocol
// (Anthropic Messages, Gemini generateContent, OpenAI Chat Completions), the
// model and price table, and the router that picks the cheapest capable
// provider and fails over, one gobreaker circuit breaker per provider. It
// knows nothing of accounts, caps or HTTP handlers.
package routing
