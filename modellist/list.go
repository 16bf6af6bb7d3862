// Package modellist reads the models a provider serves, so an operator can
// see where the provider and the gateway's price table have drifted apart:
// served models with no price, priced models no longer served.
package modellist

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

const (
	// maxPages bounds one listing; the largest provider list fits in one
	// or two pages, so more means a server that pages forever.
	maxPages = 20
	// maxAnswer bounds one page's body; a full list is a few hundred KiB.
	maxAnswer = 8 << 20
)

// List returns the ids of the models a provider serves, following its
// pages, sorted and without duplicates.
//
// protocol is "anthropic" (baseURL the host root, https://api.anthropic.com),
// "openai" (baseURL ending in /v1, also for Ollama, vLLM and llama.cpp) or
// "gemini" (baseURL the host root). key goes only into the protocol's
// credential header, never into the URL, and is not sent when empty (a
// local server). Redirects are not followed, whatever hc says: Go would
// forward x-api-key and x-goog-api-key to the host a redirect names.
//
// A listing that cannot be completed is an error, never a partial list,
// since a missing page would report priced models as unserved. A provider's
// non-2xx answer is a *StatusError.
func List(ctx context.Context, hc *http.Client, protocol, baseURL, key string) ([]string, error) {
	p, err := protocolNamed(protocol)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("listing %s models: base URL: %w", protocol, err)
	}
	ids, err := listPages(ctx, withoutRedirects(hc), p, base, key)
	if err != nil {
		return nil, fmt.Errorf("listing %s models at %s: %w", protocol, shown(base), err)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// listPages fetches page after page until the provider says there are no
// more, refusing a server that loops or pages past maxPages.
func listPages(ctx context.Context, hc *http.Client, p protocol, base *url.URL, key string) ([]string, error) {
	var ids []string
	followed := map[string]bool{}
	token := ""
	for page := 1; page <= maxPages; page++ {
		target := base.JoinPath(p.path...)
		target.RawQuery = p.query(token).Encode()
		answer, err := get(ctx, hc, target, p, key)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		pageIDs, next, err := p.read(answer)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		ids = append(ids, pageIDs...)
		if next == "" {
			return ids, nil
		}
		if followed[next] {
			return nil, fmt.Errorf("page %d names a page already read: the server is looping", page)
		}
		followed[next] = true
		token = next
	}
	return nil, fmt.Errorf("the list goes on past %d pages", maxPages)
}

// withoutRedirects returns a copy of hc that treats a redirect as the
// answer, which then fails as a non-2xx status.
func withoutRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// shown is the base URL as an error may print it: no query, no password.
func shown(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.Redacted()
}
