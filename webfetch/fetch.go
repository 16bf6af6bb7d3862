// Package webfetch reads a public web page for an agent: its readable
// text, bounded in size and time, from https addresses on the public
// internet only, unless the operator lists a host:port (a test's own
// server, an intranet page) as allowed.
package webfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Defaults of Options.
const (
	DefaultMaxBytes = 1 << 20
	DefaultTimeout  = 10 * time.Second
	// maxRedirects bounds the redirects a fetch follows, each checked as
	// the first address was.
	maxRedirects = 3
)

// Options bound what a Fetcher reads.
type Options struct {
	// Allow are host:port addresses a fetch may reach though they are
	// private or loopback, over http or https: "127.0.0.1:8099". Nothing
	// else private is ever reached.
	Allow []string
	// MaxBytes bounds the body read; a longer page is cut. Default 1 MiB.
	MaxBytes int64
	// Timeout bounds the whole fetch, redirects included. Default 10 s.
	Timeout time.Duration
}

// Page is a fetched page's readable text.
type Page struct {
	URL   string `json:"url"` // after redirects
	Title string `json:"title,omitempty"`
	Text  string `json:"text"`
	// Truncated says the page was longer than what was read.
	Truncated bool `json:"truncated,omitempty"`
}

// ErrRefused is a fetch the Fetcher will not make: a scheme other than
// https, or an address that is private, loopback or otherwise not public
// and not allowed.
var ErrRefused = errors.New("refused")

// Fetcher fetches pages.
type Fetcher struct {
	opts   Options
	client *http.Client
}

// New returns a Fetcher bounded by opts.
func New(opts Options) *Fetcher {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	f := &Fetcher{opts: opts}
	dialer := &net.Dialer{Timeout: opts.Timeout, Control: f.checkDial}
	f.client = &http.Client{
		Transport: &http.Transport{
			// No proxy: the address checked must be the one reached.
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConns:          16,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrRefused, maxRedirects)
			}
			return f.checkURL(req.URL)
		},
	}
	return f
}

// checkURL refuses an address a fetch may not start from: any scheme but
// https, but http to an allowed host:port.
func (f *Fetcher) checkURL(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && f.allowed(hostPort(u)):
		return nil
	}
	return fmt.Errorf("%w: only https addresses are fetched, not %q", ErrRefused, u.Scheme+"://"+u.Host)
}

// checkDial runs before each connection, on the address resolved: it is
// what is reached, whatever the name said, so a name that resolves to a
// private address (or changes to one) is refused too.
func (f *Fetcher) checkDial(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s is not an address", ErrRefused, address)
	}
	if public(ap.Addr()) || f.allowed(address) {
		return nil
	}
	return fmt.Errorf("%w: %s is not a public address", ErrRefused, ap.Addr())
}

func (f *Fetcher) allowed(hostPort string) bool { return slices.Contains(f.opts.Allow, hostPort) }

// hostPort is a URL's host with its port, the scheme's when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
}

// public reports whether an address is on the public internet: not
// loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local,
// unspecified, multicast, shared (100.64/10) or documentation space.
func public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may reach private IPv4
}

// Fetch reads the page at rawURL and returns its readable text: an HTML
// page's text without its scripts, styles and markup, or a plain-text
// page as it is. Other content types are refused.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return Page{}, fmt.Errorf("%w: %q is not an absolute URL", ErrRefused, rawURL)
	}
	if err := f.checkURL(u); err != nil {
		return Page{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Page{}, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "text/html, text/plain;q=0.9")
	req.Header.Set("User-Agent", "Kaine-agent-fetch/1")
	resp, err := f.client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the URL is the model's own: say only what went wrong
		}
		return Page{}, fmt.Errorf("fetching the page: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Page{}, fmt.Errorf("the page answered %s", resp.Status)
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mediaType != "text/html" && mediaType != "text/plain" {
		return Page{}, fmt.Errorf("the page is %q, not HTML or text", mediaType)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return Page{}, fmt.Errorf("reading the page: %w", err)
	}
	page := Page{URL: resp.Request.URL.String(), Truncated: int64(len(body)) > f.opts.MaxBytes}
	body = body[:min(int64(len(body)), f.opts.MaxBytes)]
	if mediaType == "text/plain" {
		page.Text = strings.TrimSpace(string(body))
		return page, nil
	}
	page.Title, page.Text = readable(body)
	return page, nil
}
