package dashboard

import (
	"net/http"
	"strings"

	"github.com/keinetech/kaine/routing"
)

// The providers page, shared by the dashboard and the console: GET
// /v1/providers in words.

type providersData struct {
	Providers []providerLine
	Routing   routing.RoutingStatus
}

type providerLine struct {
	routing.ProviderStatus
	// State says whether auto routing would try it now, and why not.
	State string
	// Policy says what a call naming a model without a price gets.
	Policy string
}

func providersView(s routing.Status) providersData {
	data := providersData{Routing: s.Routing}
	for _, p := range s.Providers {
		data.Providers = append(data.Providers, providerLine{ProviderStatus: p, State: providerState(p), Policy: unpricedPolicy(p.Unpriced)})
	}
	return data
}

func providerState(p routing.ProviderStatus) string {
	switch {
	case !p.Configured:
		return "Not configured: it has no API key, so no call goes to it."
	case !p.Available:
		return "Unavailable: its breaker is " + p.Breaker + " after repeated failures, so auto routing skips it until a trial call succeeds."
	case p.Breaker == "half-open":
		return "Available on trial: its breaker is half-open and lets a few calls through to see whether it has recovered."
	}
	return "Available: its breaker is " + p.Breaker + "."
}

// unpricedPolicy says what a call on the gateway's key naming a model
// the table has no price for gets (routing.Unpriced).
func unpricedPolicy(policy string) string {
	const call = "A call on the gateway's key naming a model without a price "
	if model, ok := strings.CutPrefix(policy, routing.UnpricedPriceAs+" "); ok {
		return call + "is billed at " + model + "'s prices."
	}
	switch policy {
	case routing.UnpricedRefuse:
		return call + "is refused: it could not be metered."
	case routing.UnpricedFree:
		return call + "is served at no charge."
	}
	return call + "gets: " + policy + "."
}

func (d *Dashboard) providersPage(w http.ResponseWriter, r *http.Request, v *visit) {
	d.page(w, r, v, http.StatusOK, "providers", "Providers", providersView(d.account.Providers()))
}
