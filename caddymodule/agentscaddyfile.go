package caddymodule

import (
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/money"
)

// parseAgents reads
//
//	agents {
//		file        agents.json
//		booking_url https://cal.example.com/acme
//		accounts    <username>… | *   (whose agents may send through smtp and twilio)
//		agent <name> {
//			description   "…"
//			tools         crm_search send_email …
//			tier          standard|complex
//			extended_thinking
//			system_prompt "…"
//		}
//		smtp {
//			addr     smtp.example.com:587
//			tls      implicit|starttls   (default: implicit on port 465)
//			from     "Acme <hello@acme.example>"
//			username hello@acme.example
//			password {env.SMTP_PASSWORD}
//			ca_file  /etc/ssl/private-relay-ca.pem   (default: the system's roots)
//		}
//		twilio {
//			account_sid {env.TWILIO_ACCOUNT_SID}
//			auth_token  {env.TWILIO_AUTH_TOKEN}
//			from        +15551234567
//			base_url    https://api.twilio.com
//		}
//		fetch {
//			allow     10.0.0.5:8080 …   (private IP:ports fetch_page may read)
//			max_bytes 1048576
//			timeout   10s
//		}
//		web_search brave {
//			api_key   {env.BRAVE_API_KEY}
//			price_usd 0.005              (what a search costs the account)
//			base_url  https://api.search.brave.com
//		}
//		meta_ads <username> {         (one block an account)
//			ad_account    1234567890
//			page_id       1122334455
//			access_token  {env.META_TOKEN}
//			graph_version v24.0
//			base_url      https://graph.facebook.com
//		}
//	}
func parseAgents(d *caddyfile.Dispenser, app *App) error {
	if app.Agents != nil {
		return d.Err("agents may appear only once")
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	c := &Agents{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch key := d.Val(); key {
		case "file":
			err = oneArg(d, &c.File)
		case "booking_url":
			err = oneArg(d, &c.BookingURL)
		case "accounts":
			c.Accounts = append(c.Accounts, d.RemainingArgs()...)
		case "agent":
			var a agents.Agent
			if a, err = parseAgent(d); err == nil {
				c.Agents = append(c.Agents, a)
			}
		case "smtp":
			c.SMTP = &SMTP{}
			err = parseSettings(d, "smtp", map[string]*string{"addr": &c.SMTP.Addr, "tls": &c.SMTP.TLS, "from": &c.SMTP.From,
				"username": &c.SMTP.Username, "password": &c.SMTP.Password, "ca_file": &c.SMTP.CAFile})
		case "twilio":
			c.Twilio = &Twilio{}
			err = parseSettings(d, "twilio", map[string]*string{"account_sid": &c.Twilio.AccountSID,
				"auth_token": &c.Twilio.AuthToken, "from": &c.Twilio.From, "base_url": &c.Twilio.BaseURL})
		case "fetch":
			c.Fetch, err = parseFetch(d)
		case "web_search":
			c.WebSearch, err = parseWebSearch(d)
		case "meta_ads":
			m := MetaAdsAccount{}
			if err = oneArg(d, &m.Username); err == nil {
				err = parseSettings(d, "meta_ads", map[string]*string{"ad_account": &m.AdAccount, "page_id": &m.PageID,
					"access_token": &m.AccessToken, "graph_version": &m.GraphVersion, "base_url": &m.BaseURL})
			}
			c.MetaAds = append(c.MetaAds, m)
		default:
			return d.Errf("agents: unrecognized setting %q (known: file, booking_url, accounts, agent, smtp, twilio, fetch, web_search, meta_ads)", key)
		}
		if err != nil {
			return err
		}
	}
	if err := c.validate(); err != nil {
		return d.WrapErr(err)
	}
	app.Agents = c
	return nil
}

// parseAgent reads one `agent <name> { … }` block. Like an entry of the
// agents file it is the whole agent: overriding a built-in one keeps only
// its system prompt when none is given; tier and extended_thinking take
// their defaults (standard, off) unless stated.
func parseAgent(d *caddyfile.Dispenser) (agents.Agent, error) {
	var a agents.Agent
	if err := oneArg(d, &a.Name); err != nil {
		return a, err
	}
	a.ComplexityTier = agents.Standard
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch key := d.Val(); key {
		case "description":
			err = oneArg(d, &a.Description)
		case "system_prompt":
			err = oneArg(d, &a.SystemPrompt)
		case "tools":
			a.AllowedTools = append(a.AllowedTools, d.RemainingArgs()...)
		case "tier":
			var tier string
			err = oneArg(d, &tier)
			a.ComplexityTier = agents.Tier(tier)
		case "extended_thinking":
			if d.NextArg() {
				return a, d.ArgErr()
			}
			a.UseExtendedThinking = true
		default:
			return a, d.Errf("agent %s: unrecognized setting %q (known: description, tools, tier, extended_thinking, system_prompt)", a.Name, key)
		}
		if err != nil {
			return a, err
		}
	}
	return a, nil
}

// parseSettings reads a block of one-argument settings into dst.
func parseSettings(d *caddyfile.Dispenser, block string, dst map[string]*string) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		target, known := dst[key]
		if !known {
			return d.Errf("%s: unrecognized setting %q (known: %s)", block, key, strings.Join(sortedKeys(dst), ", "))
		}
		if err := oneArg(d, target); err != nil {
			return err
		}
	}
	return nil
}

// parseFetch reads the `fetch { allow …; max_bytes N; timeout D }` block.
func parseFetch(d *caddyfile.Dispenser) (*Fetch, error) {
	f := &Fetch{}
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch key := d.Val(); key {
		case "allow":
			f.Allow = append(f.Allow, d.RemainingArgs()...)
		case "max_bytes":
			var v string
			if err = oneArg(d, &v); err == nil {
				if f.MaxBytes, err = strconv.ParseInt(v, 10, 64); err != nil || f.MaxBytes <= 0 {
					err = d.Errf("fetch max_bytes %q is not a positive number of bytes", v)
				}
			}
		case "timeout":
			err = positiveDuration(d, &f.Timeout, "10s")
		default:
			return nil, d.Errf("agents: fetch: unrecognized setting %q (known: allow, max_bytes, timeout)", key)
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// parseWebSearch reads `web_search <provider> { api_key; price_usd; base_url }`.
func parseWebSearch(d *caddyfile.Dispenser) (*WebSearch, error) {
	w := &WebSearch{}
	if err := oneArg(d, &w.Provider); err != nil {
		return nil, err
	}
	var price string
	if err := parseSettings(d, "web_search", map[string]*string{"api_key": &w.APIKey, "price_usd": &price, "base_url": &w.BaseURL}); err != nil {
		return nil, err
	}
	if price == "" {
		return nil, d.Err("agents: web_search needs price_usd: what one search costs the account (0 to give searches away)")
	}
	p, err := money.ParseUSD(price)
	if err != nil {
		return nil, d.Errf("agents: web_search price_usd %q is not an amount in dollars, like 0.005", price)
	}
	w.PriceUSD = p
	return w, nil
}
