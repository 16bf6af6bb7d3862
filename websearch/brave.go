// Package websearch searches the web for an agent: titles, addresses and
// snippets from a search provider's API, Brave Search's for now, as data
// for the model to read, never pages to act on.
package websearch

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/clip"
)

// Result is one hit: its title, address and snippet, as plain text.
type Result struct {
	Title   string `json:"title"`
	URL     string `json:"url"`
	Snippet string `json:"snippet"`
}

// MaxResults is the most one search returns: Brave's limit a page.
const MaxResults = 20

// maxAnswer bounds the provider's answer read.
const maxAnswer = 4 << 20

// Errors a search can end with, besides the network's.
var (
	ErrKeyRefused  = errors.New("the search provider refused the gateway's key")
	ErrRateLimited = errors.New("the search provider's rate limit was reached; try again later")
)

// Brave is Brave Search's web search API
// (GET {base}/res/v1/web/search?q=&count=, the key in
// X-Subscription-Token).
type Brave struct {
	base string
	key  string
	hc   *http.Client
}

// NewBrave returns a client of the API at base (https://api.search.brave.com)
// with the key; hc nil is http.DefaultClient.
func NewBrave(base, key string, hc *http.Client) *Brave {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Brave{base: strings.TrimSuffix(base, "/"), key: key, hc: hc}
}

// Search returns up to count results for query.
func (b *Brave) Search(ctx context.Context, query string, count int) ([]Result, error) {
	q := url.Values{"q": {query}, "count": {strconv.Itoa(min(max(count, 1), MaxResults))}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/res/v1/web/search?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("building the search: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Subscription-Token", b.key)
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("reading the search's answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, ErrKeyRefused
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, ErrRateLimited
	case resp.StatusCode != http.StatusOK:
		// Brave's error body: {"type":"ErrorResponse","error":{"code","detail",…}}.
		detail := gjson.GetBytes(body, "error.detail").Str
		return nil, fmt.Errorf("the search provider answered %s: %s", resp.Status, clip.Runes(detail, 200))
	case !gjson.ValidBytes(body):
		return nil, errors.New("the search provider's answer is not JSON")
	}
	var out []Result
	for _, r := range gjson.GetBytes(body, "web.results").Array() {
		out = append(out, Result{Title: plain(r.Get("title").Str), URL: r.Get("url").Str, Snippet: plain(r.Get("description").Str)})
	}
	return out, nil
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plain is a snippet without its markup (Brave bolds the words matched)
// and with its entities read.
func plain(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(s, ""))), " ")
}
