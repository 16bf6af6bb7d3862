package caddymodule

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/agenttools"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/webfetch"
	"github.com/keinetech/kaine/websearch"
	"github.com/keinetech/kaine/workflows"
)

// Agents configures the agents service: the catalog beyond the built-in
// 18, and the connectors their outbound tools send through. A connector
// left out is not configured: messages for it are recorded in the outbox
// as queued_unconfigured, never reported as sent.
type Agents struct {
	// File names a JSON array of agents that override built-in ones by
	// name or add to them (the fields of GET /v1/agents plus
	// system_prompt).
	File string `json:"file,omitempty"`
	// Agents override or add agents after File.
	Agents []agents.Agent `json:"agents,omitempty"`
	// BookingURL is the link send_booking_link sends.
	BookingURL string `json:"booking_url,omitempty"`
	// SMTP is the mail server send_email uses; without it an email is
	// recorded in the outbox as queued_unconfigured, not sent.
	SMTP *SMTP `json:"smtp,omitempty"`
	// Twilio is the account SMS and calls go through; without it they are
	// recorded as queued_unconfigured, not sent.
	Twilio *Twilio `json:"twilio,omitempty"`
	// Accounts are the usernames whose agents may send through SMTP and
	// Twilio ("*": every account). The operator pays for every email, SMS
	// and call; other accounts' messages are queued, never sent.
	Accounts []string `json:"accounts,omitempty"`
	// Fetch bounds fetch_page; without it the tool reads public https
	// pages only, 1 MiB and 10 s at most.
	Fetch *Fetch `json:"fetch,omitempty"`
	// WebSearch is the search provider of web_search; without it the
	// tool is not offered.
	WebSearch *WebSearch `json:"web_search,omitempty"`
	// MetaAds are the accounts' Meta ad accounts; an account without one
	// is answered by the meta_ads tools that nothing was done.
	MetaAds []MetaAdsAccount `json:"meta_ads,omitempty"`
}

// WebSearch is the provider web_search asks, and what a search costs the
// account.
type WebSearch struct {
	// Provider is the search API: brave (Brave Search's web search).
	Provider string `json:"provider"`
	// APIKey is written as {env.VAR} or {file.PATH}.
	APIKey string `json:"api_key"`
	// BaseURL is the API's address. Default: https://api.search.brave.com.
	BaseURL string `json:"base_url,omitempty"`
	// PriceUSD is what one search costs the account: reserved before it
	// is made, charged when it is, in the run's cost and its audit record.
	PriceUSD money.MicroUSD `json:"price_usd"`
}

// braveBaseURL is Brave Search's API.
const braveBaseURL = "https://api.search.brave.com"

// webSearch is web_search's searches through the configured provider, nil
// without one.
func (c *Agents) webSearch(repl *caddy.Replacer, rt *runtime, api *handlers.API) agenttools.WebSearch {
	if c == nil || c.WebSearch == nil {
		return nil
	}
	w := c.WebSearch
	base := w.BaseURL
	if base == "" {
		base = braveBaseURL
	}
	brave := websearch.NewBrave(base, repl.ReplaceAll(w.APIKey, ""), rt.httpClient("brave", base))
	return api.AgentWebSearch(brave, w.PriceUSD)
}

// Fetch bounds what the fetch_page tool reads.
type Fetch struct {
	// Allow are IP:port addresses fetch_page may reach though they are
	// private or loopback (an intranet page, a test's server), over http
	// or https. Nothing else that is not public is ever reached.
	Allow []string `json:"allow,omitempty"`
	// MaxBytes bounds a page's body; a longer one is cut. Default 1 MiB.
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// Timeout bounds a fetch, redirects included. Default 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
}

// fetcher is the fetch_page tool's reader under these bounds.
func (c *Agents) fetcher() *webfetch.Fetcher {
	var f Fetch
	if c != nil && c.Fetch != nil {
		f = *c.Fetch
	}
	return webfetch.New(webfetch.Options{Allow: f.Allow, MaxBytes: f.MaxBytes, Timeout: time.Duration(f.Timeout)})
}

// SMTP is the mail server send_email and send_booking_link send through.
type SMTP struct {
	// Addr is host:port: a submission port, 587 (STARTTLS) or 465
	// (implicit TLS), or a relay.
	Addr string `json:"addr"`
	// TLS is how the connection is secured: "implicit" speaks TLS from
	// the first byte (SMTPS), "starttls" upgrades with STARTTLS when the
	// server offers it. Default: implicit on port 465, else starttls.
	TLS string `json:"tls,omitempty"`
	// From is the sender, an address or "Name <address>".
	From string `json:"from"`
	// Username logs in with AUTH PLAIN, or AUTH LOGIN when the server
	// offers only that; the password goes only over TLS (or to loopback).
	Username string `json:"username,omitempty"`
	// Password is written as {env.VAR} or {file.PATH}.
	Password string `json:"password,omitempty"`
	// CAFile is a PEM file of the certificates the server's must chain
	// to, for a relay with a private CA. Default: the system's roots.
	CAFile string `json:"ca_file,omitempty"`
}

// tlsConfig is the client TLS configuration for the server at addr: the
// system's roots, or those of CAFile.
func (s *SMTP) tlsConfig(addr string) (*tls.Config, error) {
	caFile := s.CAFile
	if caFile == "" {
		return nil, nil
	}
	pemCerts, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("agents: smtp ca_file: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemCerts) {
		return nil, fmt.Errorf("agents: smtp ca_file %s holds no PEM certificate", caFile)
	}
	host, _, _ := net.SplitHostPort(addr)
	return &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}, nil
}

// implicitTLS reports whether the connection to addr (after placeholders)
// speaks TLS from the start.
func (s *SMTP) implicitTLS(addr string) bool {
	if s.TLS != "" {
		return s.TLS == smtpImplicitTLS
	}
	_, port, _ := net.SplitHostPort(addr)
	return port == "465"
}

const (
	smtpImplicitTLS = "implicit"
	smtpSTARTTLS    = "starttls"
)

// Twilio is the account send_sms, phone_call and send_booking_link (by
// SMS) use: Twilio's API or any that speaks it.
type Twilio struct {
	// AccountSID names the Twilio account (AC…).
	AccountSID string `json:"account_sid"`
	// AuthToken is written as {env.VAR} or {file.PATH}.
	AuthToken string `json:"auth_token"`
	// From is the sending number, in E.164 (+15551234567).
	From string `json:"from"`
	// BaseURL defaults to https://api.twilio.com.
	BaseURL string `json:"base_url,omitempty"`
}

// catalog returns the built-in catalog with the operator's agents applied.
func (c *Agents) catalog() (*agents.Catalog, error) {
	catalog := agents.Default()
	if c == nil {
		return catalog, nil
	}
	var overrides []agents.Agent
	if c.File != "" {
		data, err := os.ReadFile(c.File)
		if err != nil {
			return nil, fmt.Errorf("agents: reading file: %w", err)
		}
		if overrides, err = agents.ParseAgents(data); err != nil {
			return nil, fmt.Errorf("agents: file %s: %w", c.File, err)
		}
	}
	catalog, err := catalog.With(overrides...)
	if err != nil {
		return nil, fmt.Errorf("agents: file %s: %w", c.File, err)
	}
	if catalog, err = catalog.With(c.Agents...); err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	known := func(tool string) bool { return slices.Contains(agenttools.Names, tool) }
	if err := catalog.Validate(known); err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	return catalog, nil
}

func (c *Agents) validate() error {
	if c == nil {
		return nil
	}
	if err := checkURL("agents: booking_url", c.BookingURL); err != nil {
		return err
	}
	if s := c.SMTP; s != nil {
		if s.Addr == "" || s.From == "" {
			return fmt.Errorf("agents: smtp needs addr and from")
		}
		if _, port, err := net.SplitHostPort(s.Addr); !hasPlaceholder(s.Addr) && (err != nil || port == "") {
			return fmt.Errorf("agents: smtp addr %q must be host:port, like smtp.example.com:587", s.Addr)
		}
		if s.TLS != "" && s.TLS != smtpImplicitTLS && s.TLS != smtpSTARTTLS && !hasPlaceholder(s.TLS) {
			return fmt.Errorf("agents: smtp tls %q must be %s or %s", s.TLS, smtpImplicitTLS, smtpSTARTTLS)
		}
	}
	if (c.SMTP != nil || c.Twilio != nil) && len(c.Accounts) == 0 {
		return fmt.Errorf("agents: accounts must name the usernames whose agents may send through smtp and twilio (or * for every account)")
	}
	if t := c.Twilio; t != nil {
		if t.AccountSID == "" || t.AuthToken == "" || t.From == "" {
			return fmt.Errorf("agents: twilio needs account_sid, auth_token and from")
		}
		if err := checkURL("agents: twilio base_url", t.BaseURL); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, m := range c.MetaAds {
		if err := m.validate(); err != nil {
			return err
		}
		if seen[m.Username] {
			return fmt.Errorf("agents: meta_ads %s appears twice", m.Username)
		}
		seen[m.Username] = true
	}
	if w := c.WebSearch; w != nil {
		switch {
		case w.Provider != "brave":
			return fmt.Errorf("agents: web_search provider %q must be brave", w.Provider)
		case w.APIKey == "":
			return fmt.Errorf("agents: web_search needs api_key, written as {env.VAR} or {file.PATH}")
		case w.PriceUSD < 0:
			return fmt.Errorf("agents: web_search price_usd must not be negative")
		}
		if err := checkURL("agents: web_search base_url", w.BaseURL); err != nil {
			return err
		}
	}
	if f := c.Fetch; f != nil {
		for _, a := range f.Allow {
			// The check is on the address reached, so a name could not match.
			if _, err := netip.ParseAddrPort(a); err != nil {
				return fmt.Errorf("agents: fetch allow %q must be an IP address and port, like 10.0.0.5:8080", a)
			}
		}
		if f.MaxBytes < 0 || f.Timeout < 0 {
			return fmt.Errorf("agents: fetch max_bytes and timeout must be positive")
		}
	}
	return nil
}

// connectors builds the outbound senders; nil interfaces for those not
// configured (a typed nil would count as configured).
func (c *Agents) connectors(repl *caddy.Replacer, rt *runtime) (mailer agenttools.Mailer, texter agenttools.Texter, caller agenttools.Caller, err error) {
	if c == nil {
		return nil, nil, nil, nil
	}
	// The settings are resolved (resolveSettings); the secrets are read here.
	if s := c.SMTP; s != nil {
		tlsConfig, err := s.tlsConfig(s.Addr)
		if err != nil {
			return nil, nil, nil, err
		}
		mailer = &outbox.SMTP{Addr: s.Addr, ImplicitTLS: s.implicitTLS(s.Addr), TLSConfig: tlsConfig, From: s.From,
			Username: s.Username, Password: repl.ReplaceAll(s.Password, "")}
	}
	if t := c.Twilio; t != nil {
		base := t.BaseURL
		if base == "" {
			base = "https://api.twilio.com"
		}
		tw := &outbox.Twilio{BaseURL: base, AccountSID: t.AccountSID, AuthToken: repl.ReplaceAll(t.AuthToken, ""),
			From: t.From, Client: rt.httpClient("twilio", base)}
		texter, caller = tw, tw
	}
	return mailer, texter, caller, nil
}

// connectorsAllowed says whose agents may send through the connectors.
func (c *Agents) connectorsAllowed(users handlers.Users) func(account uint64) bool {
	if c == nil {
		return nil
	}
	named := make(map[string]bool, len(c.Accounts))
	for _, name := range c.Accounts {
		named[name] = true
	}
	return func(account uint64) bool {
		if named["*"] {
			return true
		}
		u, err := users.User(account)
		return err == nil && named[u.Username]
	}
}

func (c *Agents) bookingURL() string {
	if c == nil {
		return ""
	}
	return c.BookingURL
}

// newAgentTools builds the tools of this config's agent runs over the
// runtime's stores and the endpoints' own code. A tool whose backend is
// not configured (no video provider, no n8n) is left out, and runs do not
// offer it.
func (a *App) newAgentTools(repl *caddy.Replacer, n8n *workflows.N8N) (map[string]agents.Tool, error) {
	mailer, texter, caller, err := a.Agents.connectors(repl, a.runtime)
	if err != nil {
		return nil, err
	}
	a.mailer = mailer // the dashboard emails sign-in links through it too
	deps := agenttools.Deps{CRM: a.runtime.leads, Outbox: a.runtime.outbox, Mailer: mailer, Texter: texter, Caller: caller,
		ConnectorsAllowed: a.Agents.connectorsAllowed(a.accountStore()), BookingURL: a.Agents.bookingURL(),
		Knowledge: a.runtime.knowledge, LandingPages: a.api.AgentLandingPages(), Numbers: a.api.AgentNumbers(),
		Fetcher: a.Agents.fetcher(), MetaAds: a.Agents.metaAds(repl, a.runtime, a.accountStore())}
	if search := a.Agents.webSearch(repl, a.runtime, a.api); search != nil {
		deps.WebSearch = search
	}
	if len(a.api.Videos) > 0 {
		deps.Videos = a.api.AgentVideos()
	}
	if n8n != nil {
		deps.Workflows, deps.WorkflowsAllowed = n8n, a.api.N8NAccount
	}
	return agenttools.New(deps), nil
}
