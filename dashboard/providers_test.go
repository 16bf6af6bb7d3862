package dashboard

import (
	"net/http"
	"testing"
)

func TestProvidersPageListsModelsAndRoutes(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.account.status = testStatus()
	h.signedIn(h.alice).get("providers").want(http.StatusOK,
		`<h2 id="provider-anthropic">anthropic`,
		"Available: its breaker is closed.",
		"A call on the gateway&#39;s key naming a model without a price is refused",
		"<td><code>claude-sonnet-5</code></td>", "<td>sonnet</td>",
		`<td class="num">$3</td>`, `<td class="num">$15</td>`, `<td class="num">$0.3</td>`,
		"2027-01-31; use claude-haiku-5",
		"Served by it, with no price here: claude-new-preview.",
		"Unavailable: its breaker is open",
		"is billed at gpt-6&#39;s prices.",
		"Cheap task types: classify, extract.",
		"<code>claude-haiku-4</code> on anthropic: available",
		"<code>gpt-6</code> on openai: unavailable now",
	)
}
