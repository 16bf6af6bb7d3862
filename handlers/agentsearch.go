package handlers

import (
	"context"
	"net/http"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/websearch"
)

// WebSearcher searches the web; *websearch.Brave is one.
type WebSearcher interface {
	Search(ctx context.Context, query string, count int) ([]websearch.Result, error)
}

// webSearchEndpoint is what a search's audit record names: a tool's own
// work, with no route of its own.
const webSearchEndpoint = "/v1/agents/tools/web_search"

// AgentWebSearch is the web_search tool's searches, each priced by the
// operator, reserved against the run's account before it is made,
// charged to the run when it is, and audited.
type AgentWebSearch struct {
	api      *API
	searcher WebSearcher
	price    money.MicroUSD
}

// AgentWebSearch returns the searches of the web_search tool through
// searcher, each costing price.
func (a *API) AgentWebSearch(searcher WebSearcher, price money.MicroUSD) AgentWebSearch {
	return AgentWebSearch{api: a, searcher: searcher, price: price}
}

// Search makes one search for env's account.
func (s AgentWebSearch) Search(ctx context.Context, env agents.Env, query string, count int) ([]websearch.Result, error) {
	call := s.api.toolCall(env, http.MethodGet, webSearchEndpoint)
	var failure *apiError
	defer func() { s.api.endToolCall(env, call, failure) }()
	if failure = s.api.reserve(call, s.price); failure != nil {
		return nil, failure
	}
	results, err := s.searcher.Search(ctx, query, count)
	if err != nil {
		failure = &apiError{code: CodeProviderError, message: "The web search failed: " + err.Error() + ". Nothing was charged."}
		return nil, failure
	}
	call.Settle(s.price)
	return results, nil
}
