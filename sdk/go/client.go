package kaine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const (
	// DefaultBaseURL is where the client goes without WithBaseURL or
	// KAINE_BASE_URL.
	DefaultBaseURL = "https://keine.tech"
	// DefaultTimeout bounds each HTTP request (and, on a stream, the wait
	// for each event) without WithTimeout.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxRetries is how many times a call is retried without
	// WithMaxRetries.
	DefaultMaxRetries = 2
	// Version is this SDK's version, sent in the User-Agent.
	Version = "0.1.0"
)

// Client calls one Kaine gateway with one key. It is safe for concurrent
// use. The account-wide calls are its own methods; the rest are grouped
// under its fields (client.Leads.List, client.Knowledge.Search, …).
type Client struct {
	Leads        *LeadsService
	LandingPages *LandingPagesService
	Videos       *VideosService
	Workflows    *WorkflowsService
	Agents       *AgentsService
	Outbox       *OutboxService
	Knowledge    *KnowledgeService

	apiKey     string
	baseURL    string
	httpClient *http.Client
	timeout    time.Duration
	maxRetries int
}

// Option configures a Client.
type Option func(*settings)

type settings struct {
	apiKey, baseURL *string
	httpClient      *http.Client
	timeout         *time.Duration
	maxRetries      *int
}

// WithAPIKey sets the key (kn_live_…); without it, KAINE_API_KEY. A
// client without a key can still call Ping.
func WithAPIKey(key string) Option { return func(s *settings) { s.apiKey = &key } }

// WithBaseURL sets the gateway's URL; without it, KAINE_BASE_URL, else
// https://keine.tech.
func WithBaseURL(u string) Option { return func(s *settings) { s.baseURL = &u } }

// WithHTTPClient sets the http.Client the calls go through (its own
// Timeout, if any, applies too); without it, a new one on
// http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.httpClient = hc } }

// WithTimeout sets how long each HTTP request may take, its answer read
// in full, and how long a stream may wait for each event; default 60 s.
// Waits between retries are not counted: the context bounds the whole
// call.
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = &d } }

// WithMaxRetries sets how many times a failed call may be retried;
// default 2, 0 for none.
func WithMaxRetries(n int) Option { return func(s *settings) { s.maxRetries = &n } }

// NewClient makes a client. The key is WithAPIKey's, else KAINE_API_KEY's;
// the base URL WithBaseURL's, else KAINE_BASE_URL's, else
// https://keine.tech. It fails on a base URL that is not http or https, a
// timeout that is not positive, or a negative retry count.
func NewClient(opts ...Option) (*Client, error) {
	var s settings
	for _, opt := range opts {
		opt(&s)
	}
	c := &Client{timeout: DefaultTimeout, maxRetries: DefaultMaxRetries, httpClient: s.httpClient}
	if s.apiKey != nil {
		c.apiKey = *s.apiKey
	} else {
		c.apiKey = os.Getenv("KAINE_API_KEY")
	}
	c.apiKey = strings.TrimSpace(c.apiKey)
	base := DefaultBaseURL
	if s.baseURL != nil {
		base = *s.baseURL
	} else if env := strings.TrimSpace(os.Getenv("KAINE_BASE_URL")); env != "" {
		base = env
	}
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("kaine: base URL %q is not an http or https URL", base)
	}
	c.baseURL = strings.TrimRight(u.String(), "/")
	if s.timeout != nil {
		if *s.timeout <= 0 {
			return nil, fmt.Errorf("kaine: timeout %s is not positive", *s.timeout)
		}
		c.timeout = *s.timeout
	}
	if s.maxRetries != nil {
		if *s.maxRetries < 0 {
			return nil, fmt.Errorf("kaine: max retries %d is negative", *s.maxRetries)
		}
		c.maxRetries = *s.maxRetries
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{}
	}
	c.Leads = &LeadsService{c}
	c.LandingPages = &LandingPagesService{c}
	c.Videos = &VideosService{c}
	c.Workflows = &WorkflowsService{c}
	c.Agents = &AgentsService{c}
	c.Outbox = &OutboxService{c}
	c.Knowledge = &KnowledgeService{c}
	return c, nil
}

// BaseURL is the gateway the client calls, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Ptr returns a pointer to v, for the optional fields that are pointers
// (Temperature: kaine.Ptr(0.0) sends 0, nil sends nothing).
func Ptr[T any](v T) *T { return &v }

// request is one API call, sent once per attempt.
type request struct {
	method, path string
	query        url.Values
	body         []byte // nil: no body
	accept       string
}

func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	target := c.baseURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("kaine: %s %s: %w", r.method, r.path, err)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", r.accept)
	req.Header.Set("User-Agent", "kaine-go/"+Version)
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	return req, nil
}

// do sends a call with retries and decodes its JSON answer into out (nil:
// the answer is read and dropped).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	r := request{method: method, path: path, query: query, accept: "application/json"}
	if in != nil {
		body, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("kaine: encoding the %s %s body: %w", method, path, err)
		}
		r.body = body
	}
	return c.retry(ctx, method, func() error {
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		req, err := c.newRequest(actx, r)
		if err != nil {
			return err
		}
		resp, err := c.httpClient.Do(req)
		if err != nil {
			return &transportError{err}
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return &transportError{fmt.Errorf("kaine: reading the answer of %s %s: %w", method, path, err)}
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return errorFromResponse(resp, data)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("kaine: decoding the answer of %s %s (status %d, request %s): %w",
				method, path, resp.StatusCode, resp.Header.Get("X-Request-Id"), err)
		}
		return nil
	})
}

// transportError is a failure before any answer was read: the request may
// or may not have reached the gateway.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// retry runs attempt until it succeeds, fails for good, or the retries
// are spent. A 429 (but usage_cap_reached: a cap stays reached) or a 503
// store_unavailable is retried for any method;
// another 5xx, or a network failure, only for GET and DELETE. The wait is
// the answer's Retry-After, else an exponential backoff from 0.5 s with
// jitter; ctx ends it.
func (c *Client) retry(ctx context.Context, method string, attempt func() error) error {
	for n := 0; ; n++ {
		err := attempt()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return unwrapTransport(err)
		}
		retryable, wait := retryDecision(method, err)
		if !retryable || n >= c.maxRetries {
			return unwrapTransport(err)
		}
		if wait <= 0 {
			wait = backoff(n)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("kaine: waiting to retry: %w (last error: %w)", ctx.Err(), unwrapTransport(err))
		case <-t.C:
		}
	}
}

func unwrapTransport(err error) error {
	if t, ok := err.(*transportError); ok {
		return t.err
	}
	return err
}

// retryDecision says whether a failed attempt may be retried and how long
// the gateway asked to wait (0: not said).
func retryDecision(method string, err error) (bool, time.Duration) {
	idempotent := method == http.MethodGet || method == http.MethodDelete
	var e *Error
	switch {
	case errors.As(err, &e):
		switch {
		case e.noRetry, e.Code == CodeUsageCapReached: // a cap stays reached
			return false, 0
		case e.Status == http.StatusTooManyRequests:
			return true, e.RetryAfter
		case e.Status == http.StatusServiceUnavailable && e.Code == CodeStoreUnavailable:
			return true, e.RetryAfter
		case e.Status >= 500 && e.Status <= 599:
			return idempotent, e.RetryAfter
		}
		return false, 0
	case isTransport(err):
		return idempotent, 0
	}
	return false, 0
}

func isTransport(err error) bool {
	_, ok := err.(*transportError)
	return ok
}

// backoff is the wait before retry n+1 without a Retry-After: 0.5 s
// doubling each time (at most 8 s), give or take 20%.
func backoff(n int) time.Duration {
	base := 500 * time.Millisecond << min(n, 4)
	return base*4/5 + rand.N(base*2/5+1)
}

// get and friends are do for each method.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, out)
}

func (c *Client) post(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, http.MethodPost, path, nil, in, out)
}

func limitQuery(q url.Values, limit int) url.Values {
	if limit > 0 {
		if q == nil {
			q = url.Values{}
		}
		q.Set("limit", fmt.Sprint(limit))
	}
	return q
}
