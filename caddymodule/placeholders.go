package caddymodule

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
)

// hasPlaceholder reports whether s holds a placeholder ({env.VAR},
// {file./path}) resolved at provision: a check of its value waits until
// then, since the parser sees only the placeholder.
func hasPlaceholder(s string) bool {
	open := strings.IndexByte(s, '{')
	return open >= 0 && strings.IndexByte(s[open:], '}') > 0
}

// resolve replaces the placeholders in each setting, in place.
func resolve(repl *caddy.Replacer, settings ...*string) {
	for _, s := range settings {
		*s = repl.ReplaceAll(*s, "")
	}
}

// resolveList returns a copy of list with its placeholders replaced.
func resolveList(repl *caddy.Replacer, list []string) []string {
	out := slices.Clone(list)
	for i := range out {
		out[i] = repl.ReplaceAll(out[i], "")
	}
	return out
}

// resolveSettings replaces, in place, the placeholders of the video, n8n
// and agents blocks' settings but their secrets (API keys, passwords,
// tokens), which are read where they are used and never kept resolved,
// and checks what they resolved to: a URL, say, can only be checked then.
func (a *App) resolveSettings(repl *caddy.Replacer) error {
	videos := make(map[string]VideoProvider, len(a.Videos))
	for name, v := range a.Videos {
		resolve(repl, &v.BaseURL, &v.Model)
		videos[name] = v
	}
	a.Videos = videos
	if a.N8N != nil {
		n := *a.N8N
		resolve(repl, &n.BaseURL)
		n.Accounts = resolveList(repl, n.Accounts)
		a.N8N = &n
	}
	if a.Agents != nil {
		c := *a.Agents
		resolve(repl, &c.File, &c.BookingURL)
		c.Accounts = resolveList(repl, c.Accounts)
		if c.SMTP != nil {
			s := *c.SMTP
			resolve(repl, &s.Addr, &s.TLS, &s.From, &s.Username, &s.CAFile)
			c.SMTP = &s
		}
		if c.Twilio != nil {
			t := *c.Twilio
			resolve(repl, &t.AccountSID, &t.From, &t.BaseURL)
			c.Twilio = &t
		}
		if c.WebSearch != nil {
			w := *c.WebSearch
			resolve(repl, &w.BaseURL)
			c.WebSearch = &w
		}
		metaAds := make([]MetaAdsAccount, len(c.MetaAds))
		for i, m := range c.MetaAds {
			resolve(repl, &m.Username, &m.AdAccount, &m.PageID, &m.GraphVersion, &m.BaseURL)
			metaAds[i] = m
		}
		c.MetaAds = metaAds
		a.Agents = &c
	}
	for name, v := range a.Videos {
		if err := v.validate(name); err != nil {
			return err
		}
	}
	if err := a.N8N.validate(); err != nil {
		return err
	}
	return a.Agents.validate()
}

// checkURL refuses a setting that is neither empty, nor an http or https
// URL, nor a placeholder yet to be resolved.
func checkURL(setting, value string) error {
	if value == "" || hasPlaceholder(value) {
		return nil
	}
	if u, err := url.Parse(value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q must be an http or https URL", setting, value)
	}
	return nil
}
