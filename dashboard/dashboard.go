// Package dashboard serves Kaine's web pages: the dashboard, where an
// account signs in with a one-time link, manages its API keys and reads
// its usage, audit log, runs and the providers; and the operator console,
// which the gateway serves on a listener of its own.
//
// Pages are rendered on the server from embedded templates, one layout
// and one template per page, with one stylesheet and one small script;
// every form works without JavaScript and nothing is fetched from
// elsewhere, so the pages work air-gapped. The package knows nothing of
// Caddy: caddymodule mounts it.
package dashboard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/keinetech/kaine/metering"
)

// Options configure a Dashboard.
type Options struct {
	// Prefix is where the dashboard is served, with a leading and a
	// trailing slash. Default: "/dashboard/".
	Prefix string
	// PublicURL is the gateway as users reach it, without a trailing
	// slash: sign-in links start with it. Required.
	PublicURL string

	// Keys, SignIn, Account and Users are what the pages read and
	// change. Required.
	Keys    Keys
	SignIn  SignIn
	Account Account
	Users   Users
	// Mailer emails sign-in links. Nil: the sign-in page offers no email.
	Mailer LinkMailer

	// Limiter counts sign-in attempts per client. Required; give the
	// dashboard its own, apart from the API's.
	Limiter *metering.RateLimiter
	// SignInsPerMinute is how many sign-in attempts a client may make a
	// minute. Default: 10.
	SignInsPerMinute int
	// ClientIP is the client's address, for the sign-in limit. Default:
	// the host of r.RemoteAddr.
	ClientIP func(*http.Request) string

	// OnError logs an internal error. Required. The visitor sees a plain
	// error page without its details.
	OnError func(r *http.Request, err error)
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Dashboard serves the dashboard's pages under its prefix.
type Dashboard struct {
	site
	publicURL string
	keys      Keys
	signIn    SignIn
	account   Account
	users     Users
	mailer    LinkMailer

	limiter          *metering.RateLimiter
	signInsPerMinute int
	// mailsToUser limits emailed links per account, whoever asks.
	mailsToUser metering.RateLimiter
	clientIP    func(*http.Request) string
	now         func() time.Time

	// background runs the making and mailing of a sign-in link after the
	// answer, so the answer's timing tells nothing of whether the address
	// has an account. Tests run it in place.
	background func(func())

	spend spendCache

	handler http.Handler
}

// New checks the options and builds the dashboard.
func New(o Options) (*Dashboard, error) {
	if o.Prefix == "" {
		o.Prefix = "/dashboard/"
	}
	if err := ValidPrefix(o.Prefix); err != nil {
		return nil, err
	}
	switch {
	case o.PublicURL == "":
		return nil, errors.New("dashboard: a public URL is required, for sign-in links")
	case o.Keys == nil || o.SignIn == nil || o.Account == nil || o.Users == nil:
		return nil, errors.New("dashboard: Keys, SignIn, Account and Users are required")
	case o.Limiter == nil:
		return nil, errors.New("dashboard: a sign-in rate limiter is required")
	case o.OnError == nil:
		return nil, errors.New("dashboard: an OnError function is required")
	}
	if o.SignInsPerMinute <= 0 {
		o.SignInsPerMinute = 10
	}
	if o.ClientIP == nil {
		o.ClientIP = remoteHost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Dashboard{
		site: site{
			name:    "Kaine",
			prefix:  o.Prefix,
			csrf:    newDoubleSubmit("kaine_csrf", o.Prefix, strings.HasPrefix(o.PublicURL, "https://")),
			onError: o.OnError,
		},
		publicURL:        strings.TrimRight(o.PublicURL, "/"),
		keys:             o.Keys,
		signIn:           o.SignIn,
		account:          o.Account,
		users:            o.Users,
		mailer:           o.Mailer,
		limiter:          o.Limiter,
		signInsPerMinute: o.SignInsPerMinute,
		clientIP:         o.ClientIP,
		now:              o.Now,
		background:       boundedBackground(maxMailsUnderWay),
	}
	d.handler = secure(d.routes())
	return d, nil
}

// ServeHTTP answers every request under the prefix, and sends the prefix
// without its slash to the prefix.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == strings.TrimSuffix(d.prefix, "/") {
		http.Redirect(w, r, d.prefix, http.StatusPermanentRedirect)
		return
	}
	d.handler.ServeHTTP(w, r)
}

// LinkURL is the address of a sign-in link's page: what the CLI, the
// admin API, the console and the sign-in mail hand out.
func (d *Dashboard) LinkURL(token string) string {
	return d.publicURL + d.prefix + "signin/" + token
}

// routes maps the dashboard's paths to their handlers. Pages that need a
// session are wrapped by signedIn, which also checks their POSTs' CSRF
// token; the sign-in POSTs check theirs themselves.
func (d *Dashboard) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(path string, m methods) { mux.Handle(d.prefix+path, d.byMethod(m)) }
	handle("{$}", methods{http.MethodGet: d.signedIn(d.home)})
	handle("signin", methods{http.MethodGet: d.signInPage})
	handle("signin/email", methods{http.MethodPost: d.emailLink})
	handle("signin/{token}", methods{http.MethodGet: d.linkPage, http.MethodPost: d.redeemLink})
	handle("signout", methods{http.MethodPost: d.signedIn(d.signOut)})
	handle("keys", methods{http.MethodGet: d.signedIn(d.keysPage), http.MethodPost: d.signedIn(d.createKey)})
	handle("keys/{id}/revoke", methods{http.MethodGet: d.signedIn(d.revokePage), http.MethodPost: d.signedIn(d.revokeKey)})
	handle("usage", methods{http.MethodGet: d.signedIn(d.usagePage)})
	handle("audit", methods{http.MethodGet: d.signedIn(d.auditPage)})
	handle("audit/export", methods{http.MethodGet: d.signedIn(d.auditExport)})
	handle("runs", methods{http.MethodGet: d.signedIn(d.runsPage)})
	handle("runs/agent/{id}", methods{http.MethodGet: d.signedIn(d.agentRunPage)})
	handle("providers", methods{http.MethodGet: d.signedIn(d.providersPage)})
	handle("api", methods{http.MethodGet: d.signedIn(d.apiPage)})
	handle("static/{file}", methods{http.MethodGet: d.static})
	mux.HandleFunc("/", d.notFound)
	return mux
}

// home sends a signed-in visitor to their keys.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request, _ *visit) {
	http.Redirect(w, r, d.prefix+"keys", http.StatusSeeOther)
}

// ValidPrefix refuses a prefix that is not a plain absolute path ending
// in a slash, or that would read as a routing pattern.
func ValidPrefix(p string) error {
	if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || strings.Contains(p, "//") || strings.ContainsAny(p, "{}?# ") {
		return fmt.Errorf("dashboard: prefix %q must be a path like /dashboard/, with a leading and a trailing slash", p)
	}
	return nil
}

// remoteHost is the connection's peer address without its port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
