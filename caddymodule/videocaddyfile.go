package caddymodule

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/keinetech/kaine/money"
)

// parseVideo reads `video <name> { base_url …; api_key …; model …; price_per_second … }`.
func parseVideo(d *caddyfile.Dispenser, app *App) error {
	var name string
	if err := oneArg(d, &name); err != nil {
		return err
	}
	if _, dup := app.Videos[name]; dup {
		return d.Errf("video %q is defined twice", name)
	}
	var v VideoProvider
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		var val string
		if err := oneArg(d, &val); err != nil {
			return err
		}
		switch key {
		case "base_url":
			v.BaseURL = val
		case "api_key":
			v.APIKey = val
		case "model":
			v.Model = val
		case "price_per_second":
			p, err := money.ParseUSD(val)
			if err != nil {
				return d.Errf("video %s: price_per_second %q: %v", name, val, err)
			}
			v.PricePerSecondUSD = p
		default:
			return d.Errf("video %s: unrecognized setting %q (known: base_url, api_key, model, price_per_second)", name, key)
		}
	}
	if err := v.validate(name); err != nil {
		return d.WrapErr(err)
	}
	if app.Videos == nil {
		app.Videos = map[string]VideoProvider{}
	}
	app.Videos[name] = v
	return nil
}
