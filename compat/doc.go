// Package compat holds Kaine's fronts: translators between the request and
// answer shapes of the OpenAI and Anthropic SDKs and routing's one
// conversation. A front reads a request into routing.Params, refusing (as
// a *FieldError naming the field) anything it cannot carry, and writes the
// router's Outcome, or its stream of chunks, back in the front's shape. It
// calls no provider and knows nothing of keys, limits or billing: the
// handlers run the call through the router like any other.
package compat
