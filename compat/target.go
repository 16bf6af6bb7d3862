package compat

import "strings"

// Auto is the model name that leaves the choice to Kaine's router: the
// cheapest capable provider for the call's task type, failing over.
const Auto = "auto"

// Target is where a front's model name sends a call, in routing's terms.
type Target struct {
	// Provider is "auto" or the provider the call is pinned to.
	Provider string
	// Model is a model of the catalog (id or alias) or of the pinned
	// provider; "" lets the router choose.
	Model string
}

// TargetOf reads a front's model name: "auto"; "provider/model" to pin a
// provider (isProvider says which names are providers, so a model id with
// a slash of its own, org/model on a local server, still reads as one);
// "provider" alone for its default model; else a catalog id or alias,
// served by its own provider.
func TargetOf(model string, isProvider func(string) bool) Target {
	if model == Auto {
		return Target{Provider: Auto}
	}
	if name, rest, ok := strings.Cut(model, "/"); ok && isProvider(name) {
		return Target{Provider: name, Model: rest}
	}
	if isProvider(model) {
		return Target{Provider: model}
	}
	return Target{Provider: Auto, Model: model}
}
