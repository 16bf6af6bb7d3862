package routing

import (
	"net"
	"net/http"
	"time"
)

// NewTransport returns the connection pool for one provider: kept-alive
// connections enough for a gateway's concurrency (net/http's default keeps
// two per host, so bursts would redial), HTTP/2 where the upstream offers
// it, and dial and TLS timeouts. The call's own deadline comes from its
// context, not from here, so long streams are not cut.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// NewHTTPClient returns a client over rt that never follows a redirect: a
// redirected request would carry the provider key (or a caller's BYOK key)
// in X-Api-Key or X-Goog-Api-Key to whatever host the redirect names, as Go
// strips only Authorization. A provider's 3xx is a failure like any other.
func NewHTTPClient(rt http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
