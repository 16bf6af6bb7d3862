package workflows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	// maxPageSize is the largest limit n8n takes: it answers 400 above it.
	maxPageSize = 250
	// maxPages bounds one call's paging, so a server that keeps handing
	// out cursors cannot keep us asking: 20 full pages are 5,000 runs,
	// more than a listing shows.
	maxPages = 20
	// maxPageBody bounds one page read. Without includeData an execution
	// is a few hundred bytes, so a full page is far below it.
	maxPageBody = 4 << 20
)

// N8N is a client of n8n's public REST API. The zero value is not usable:
// BaseURL is required.
type N8N struct {
	// BaseURL is the instance root (https://n8n.example.com) or its API
	// base, up to and including /api/v1: both are accepted.
	BaseURL string
	// APIKey is sent as X-N8N-API-KEY. It needs the execution:list scope,
	// and workflow:read for names.
	APIKey string
	// Client makes the calls; it must not follow redirects, which would
	// carry the key (X-N8N-API-KEY is not stripped) to another host. The
	// caller's context bounds every call.
	Client *http.Client
}

// Executions returns up to limit executions, newest first, as Runs. It
// follows n8n's nextCursor pages with the same page size (limit, at most
// 250) until it has limit runs, n8n has no more, or maxPages pages were
// read. The workflows' names are looked up once per distinct workflow,
// best effort (see names). A non-2xx answer is an *N8NError; a transport
// failure or the caller's context ending is wrapped; an answer that is not
// n8n's JSON is an error too. A limit below 1 asks nothing of n8n.
func (n *N8N) Executions(ctx context.Context, limit int) ([]Run, error) {
	if limit < 1 {
		return []Run{}, nil
	}
	if n.Client == nil {
		return nil, errors.New("listing n8n executions: no HTTP client")
	}
	api, err := n.apiBase()
	if err != nil {
		return nil, err
	}
	pageSize := min(limit, maxPageSize)
	var execs []execution
	cursor := ""
	for range maxPages {
		page, next, err := n.executionsPage(ctx, api, pageSize, cursor)
		if err != nil {
			return nil, err
		}
		execs = append(execs, page...)
		// An empty page or a repeated cursor would page forever.
		if len(execs) >= limit || next == "" || len(page) == 0 || next == cursor {
			break
		}
		cursor = next
	}
	if len(execs) > limit {
		execs = execs[:limit]
	}
	names := n.names(ctx, api, workflowIDs(execs))
	runs := make([]Run, len(execs))
	for i, e := range execs {
		runs[i] = e.run(names)
	}
	// n8n lists by id; Merge's order is the one the API promises.
	return Merge(limit, runs), nil
}

// apiBase is BaseURL up to and including /api/v1, without a trailing slash.
func (n *N8N) apiBase() (string, error) {
	base := strings.TrimRight(strings.TrimSpace(n.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("n8n base_url %q is not an http(s) URL", n.BaseURL)
	}
	if !strings.HasSuffix(u.Path, "/api/v1") {
		u.Path += "/api/v1"
	}
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	return u.String(), nil
}

// executionsPage reads one page of GET /executions.
func (n *N8N) executionsPage(ctx context.Context, api string, pageSize int, cursor string) ([]execution, string, error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}, "includeData": {"false"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	body, err := n.get(ctx, api+"/executions?"+q.Encode(), maxPageBody)
	if err != nil {
		return nil, "", fmt.Errorf("listing n8n executions: %w", err)
	}
	execs, next, err := parseExecutions(body)
	if err != nil {
		return nil, "", fmt.Errorf("listing n8n executions: %w", err)
	}
	return execs, next, nil
}

// errTooLarge is an answer longer than its bound.
var errTooLarge = errors.New("the answer is too large")

// get makes one authenticated GET and returns a 2xx body; a non-2xx answer
// is an *N8NError. A body over maxBody bytes is errTooLarge, returned with
// its first maxBody bytes for a caller that can use a prefix.
func (n *N8N) get(ctx context.Context, u string, maxBody int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-N8N-API-KEY", n.APIKey)
	req.Header.Set("Accept", "application/json")
	resp, err := n.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, n8nError(resp, n.APIKey)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > maxBody {
		return body[:maxBody], errTooLarge
	}
	return body, nil
}
