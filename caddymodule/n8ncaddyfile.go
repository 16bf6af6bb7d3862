package caddymodule

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// parseN8N reads `n8n { base_url …; api_key …; accounts <username>… }`.
func parseN8N(d *caddyfile.Dispenser, app *App) error {
	if app.N8N != nil {
		return d.Err("n8n may appear only once")
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	n := &N8N{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch key := d.Val(); key {
		case "base_url":
			if err := oneArg(d, &n.BaseURL); err != nil {
				return err
			}
		case "api_key":
			if err := oneArg(d, &n.APIKey); err != nil {
				return err
			}
		case "accounts":
			n.Accounts = append(n.Accounts, d.RemainingArgs()...)
		default:
			return d.Errf("n8n: unrecognized setting %q (known: base_url, api_key, accounts)", key)
		}
	}
	if err := n.validate(); err != nil {
		return d.WrapErr(err)
	}
	app.N8N = n
	return nil
}
