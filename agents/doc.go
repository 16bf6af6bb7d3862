// Package agents is Kaine's agents as a service: a catalog of specialist
// agents (each a system prompt and the tools it may use) and the runtime
// that runs one on a goal: plan, call tools, critique itself once, and
// record every step of the run in bbolt so a caller can follow it.
//
// The package knows nothing of HTTP or of providers: a run reaches models
// through Model and the outside world through Tool, both supplied by the
// gateway.
package agents
