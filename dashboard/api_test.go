package dashboard

import (
	"net/http"
	"testing"
)

// The API page lists the operations of the document the gateway serves,
// with the scope each needs, and links to the document.
func TestAPIPageListsTheDocumentsOperations(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signedIn(h.alice).get("api").want(http.StatusOK,
		`/v1/openapi.json"><code>GET /v1/openapi.json</code></a>`,
		`<h2 id="api-landing-pages">Landing pages</h2>`,
		"<td><code>POST</code></td>\n<td><code>/v1/llm</code></td>\n<td>write</td>",
		"<td><code>GET</code></td>\n<td><code>/v1/ping</code></td>\n<td>none</td>",
		`<a href="/dashboard/api" aria-current="page">API</a>`,
	)
}
