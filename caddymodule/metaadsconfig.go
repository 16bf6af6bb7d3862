package caddymodule

import (
	"fmt"
	"regexp"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/agenttools"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metaads"
)

// MetaAdsAccount is one account's Meta ad account, which its agents'
// meta_ads tools draft campaigns in and read.
type MetaAdsAccount struct {
	// Username is the Kaine account whose agents use the ad account.
	Username string `json:"username"`
	// AdAccount is the ad account's id, digits (act_ is added).
	AdAccount string `json:"ad_account"`
	// PageID is the Facebook page the ads run as.
	PageID string `json:"page_id"`
	// AccessToken is a system user's token, written as {env.VAR} or
	// {file.PATH}.
	AccessToken string `json:"access_token"`
	// GraphVersion is the Graph API version. Default v24.0.
	GraphVersion string `json:"graph_version,omitempty"`
	// BaseURL is the Graph API's address. Default https://graph.facebook.com.
	BaseURL string `json:"base_url,omitempty"`
}

// defaultGraphVersion is the Graph API version of a block that names none.
const defaultGraphVersion = "v24.0"

var (
	digits       = regexp.MustCompile(`^[0-9]+$`)
	graphVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
)

func (m MetaAdsAccount) validate() error {
	switch {
	case m.Username == "":
		return fmt.Errorf("agents: meta_ads needs the username of the account it serves")
	case !digits.MatchString(m.AdAccount) && !hasPlaceholder(m.AdAccount):
		return fmt.Errorf("agents: meta_ads %s: ad_account %q must be the ad account's numeric id (without act_)", m.Username, m.AdAccount)
	case !digits.MatchString(m.PageID) && !hasPlaceholder(m.PageID):
		return fmt.Errorf("agents: meta_ads %s: page_id %q must be the page's numeric id", m.Username, m.PageID)
	case m.AccessToken == "":
		return fmt.Errorf("agents: meta_ads %s needs access_token, written as {env.VAR} or {file.PATH}", m.Username)
	case m.GraphVersion != "" && !graphVersion.MatchString(m.GraphVersion):
		return fmt.Errorf("agents: meta_ads %s: graph_version %q must look like v24.0", m.Username, m.GraphVersion)
	}
	return checkURL("agents: meta_ads base_url", m.BaseURL)
}

// metaAdAccounts is the accounts' ad accounts, by username.
type metaAdAccounts struct {
	users   handlers.Users
	clients map[string]*metaads.Client
	ids     map[string]string // username → act_<id>
}

// metaAds builds the ad accounts' clients, their tokens read now.
func (c *Agents) metaAds(repl *caddy.Replacer, rt *runtime, users handlers.Users) metaAdAccounts {
	m := metaAdAccounts{users: users, clients: map[string]*metaads.Client{}, ids: map[string]string{}}
	if c == nil {
		return m
	}
	for _, a := range c.MetaAds {
		base, version := a.BaseURL, a.GraphVersion
		if base == "" {
			base = metaads.DefaultBaseURL
		}
		if version == "" {
			version = defaultGraphVersion
		}
		m.clients[a.Username] = metaads.New(metaads.Account{BaseURL: base, Version: version, AdAccount: a.AdAccount,
			PageID: a.PageID, Token: repl.ReplaceAll(a.AccessToken, "")}, rt.httpClient("meta", base))
		m.ids[a.Username] = "act_" + a.AdAccount
	}
	return m
}

// Client is the account's ad account, nil without one.
func (m metaAdAccounts) Client(account uint64) agenttools.MetaAdsClient {
	u, err := m.users.User(account)
	if err != nil {
		return nil
	}
	if c := m.clients[u.Username]; c != nil {
		return c
	}
	return nil // not a nil *metaads.Client, which would count as one
}

// AdAccount names the account's ad account for the outbox.
func (m metaAdAccounts) AdAccount(account uint64) string {
	if u, err := m.users.User(account); err == nil {
		return m.ids[u.Username]
	}
	return ""
}
