package caddymodule

import (
	"encoding/json"
	"strconv"

	"github.com/dustin/go-humanize"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("kaine", parseGlobalOption)
	httpcaddyfile.RegisterHandlerDirective("kaine", parseHandlerDirective)
	httpcaddyfile.RegisterDirectiveOrder("kaine", httpcaddyfile.Before, "respond")
}

// parseGlobalOption sets up the kaine app from the global option block:
//
//	kaine {
//		storage    kaine-data/kaine.db
//		files_dir  kaine-data/files
//		public_url http://localhost:8080
//		docs_url   https://keine.tech/api-docs
//		audit_retention 90d
//		audit_flush_interval 250ms
//		dashboard  /dashboard/|off
//		console    localhost:2020|off   (default: off)
//		model_list_interval 6h|off
//		passthrough_max_body 10MiB
//		tier <name> {
//			cap_usd <usd>
//			rpm     <requests per minute>
//		}
//		provider <name> {
//			protocol anthropic|gemini|openai
//			api_key  {env.VAR}
//			base_url <url>
//			model    <model id>
//			timeout  <duration>
//			passthrough_allow <METHOD> </path>
//			unpriced refuse|free|price_as <model>
//		}
//		model <name> { … }    (see parseModel)
//		routing { … }         (see parseRouting)
//		video higgsfield|runway|kling|fal {
//			api_key          {env.VAR}
//			price_per_second <usd>
//			base_url         <url>
//			model            <model id or path>
//		}
//		n8n {
//			base_url https://n8n.example.com
//			api_key  {env.N8N_API_KEY}
//			accounts <username>…
//		}
//		agents { … }          (see parseAgents)
//		fleet { … }           (see parseFleet)
//	}
//
// The block may appear once. Settings not given take their defaults.
func parseGlobalOption(d *caddyfile.Dispenser, existing any) (any, error) {
	if existing != nil {
		return nil, d.Err("the kaine global option may appear only once")
	}
	app := new(App)
	d.Next() // the option name
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "storage":
			if err := oneArg(d, &app.Storage); err != nil {
				return nil, err
			}
		case "files_dir":
			if err := oneArg(d, &app.FilesDir); err != nil {
				return nil, err
			}
		case "public_url":
			if err := oneArg(d, &app.PublicURL); err != nil {
				return nil, err
			}
		case "docs_url":
			if err := oneArg(d, &app.DocsURL); err != nil {
				return nil, err
			}
		case "audit_retention":
			if err := positiveDuration(d, &app.AuditRetention, "90d"); err != nil {
				return nil, err
			}
		case "audit_flush_interval":
			if err := positiveDuration(d, &app.AuditFlushInterval, "250ms"); err != nil {
				return nil, err
			}
		case "tier":
			if err := parseTier(d, app); err != nil {
				return nil, err
			}
		case "provider":
			if err := parseProvider(d, app); err != nil {
				return nil, err
			}
		case "video":
			if err := parseVideo(d, app); err != nil {
				return nil, err
			}
		case "n8n":
			if err := parseN8N(d, app); err != nil {
				return nil, err
			}
		case "fleet":
			if err := parseFleet(d, app); err != nil {
				return nil, err
			}
		case "agents":
			if err := parseAgents(d, app); err != nil {
				return nil, err
			}
		case "model":
			if err := parseModel(d, app); err != nil {
				return nil, err
			}
		case "routing":
			if err := parseRouting(d, app); err != nil {
				return nil, err
			}
		case "dashboard":
			if err := oneArg(d, &app.Dashboard); err != nil {
				return nil, err
			}
			if err := validDashboardPath(app.Dashboard, nil); err != nil {
				return nil, d.WrapErr(err)
			}
		case "console":
			if err := oneArg(d, &app.Console); err != nil {
				return nil, err
			}
			if err := validConsoleAddress(app.Console); err != nil {
				return nil, d.WrapErr(err)
			}
		case "model_list_interval":
			var val string
			if err := oneArg(d, &val); err != nil {
				return nil, err
			}
			if val == "off" {
				app.ModelListInterval = -1
				continue
			}
			dur, err := caddy.ParseDuration(val)
			if err != nil || dur < minModelListInterval {
				return nil, d.Errf("model_list_interval %q is not off or a duration of a minute or more, like 6h", val)
			}
			app.ModelListInterval = caddy.Duration(dur)
		case "passthrough_max_body":
			var val string
			if err := oneArg(d, &val); err != nil {
				return nil, err
			}
			size, err := humanize.ParseBytes(val)
			if err != nil || size == 0 || validPassthroughMaxBody(int64(size)) != nil { // past MaxInt64 too
				return nil, d.Errf("passthrough_max_body %q is not a size from 1B to 1GiB, like 10MiB", val)
			}
			app.PassthroughMaxBody = int64(size)
		default:
			return nil, d.Errf("unrecognized kaine option %q", d.Val())
		}
	}
	// Marshaled here, not with caddyconfig.JSON, which would drop the whole
	// app without a word if a value could not be encoded.
	raw, err := json.Marshal(app)
	if err != nil {
		return nil, d.Errf("kaine: encoding the config: %v", err)
	}
	return httpcaddyfile.App{Name: "kaine", Value: raw}, nil
}

func oneArg(d *caddyfile.Dispenser, dst *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

func parseTier(d *caddyfile.Dispenser, app *App) error {
	var name string
	if err := oneArg(d, &name); err != nil {
		return err
	}
	if _, dup := app.Tiers[name]; dup {
		return d.Errf("tier %q is defined twice", name)
	}
	t := defaultTiers()[name] // a partial block changes only what it names
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var val string
		key := d.Val()
		if err := oneArg(d, &val); err != nil {
			return err
		}
		switch key {
		case "cap_usd":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return d.Errf("tier %s: cap_usd %q is not a number", name, val)
			}
			t.CapUSD = f
		case "rpm":
			n, err := strconv.Atoi(val)
			if err != nil {
				return d.Errf("tier %s: rpm %q is not a whole number", name, val)
			}
			t.RPM = n
		default:
			return d.Errf("tier %s: unrecognized setting %q (known: cap_usd, rpm)", name, key)
		}
	}
	if err := validateTier(name, t); err != nil {
		return d.WrapErr(err)
	}
	if app.Tiers == nil {
		app.Tiers = map[string]Tier{}
	}
	app.Tiers[name] = t
	return nil
}

func parseProvider(d *caddyfile.Dispenser, app *App) error {
	var name string
	if err := oneArg(d, &name); err != nil {
		return err
	}
	if _, dup := app.Providers[name]; dup {
		return d.Errf("provider %q is defined twice", name)
	}
	var p Provider
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		switch key {
		case "passthrough_allow":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("provider %s: passthrough_allow takes a method and a path, like POST /files", name)
			}
			p.PassthroughAllow = append(p.PassthroughAllow, args[0]+" "+args[1])
			continue
		case "unpriced":
			args := d.RemainingArgs()
			if len(args) == 0 || len(args) > 2 {
				return d.Errf("provider %s: unpriced takes refuse, free or price_as <model>", name)
			}
			p.Unpriced = args[0]
			if len(args) == 2 {
				p.UnpricedAs = args[1]
			}
			continue
		}
		var val string
		if err := oneArg(d, &val); err != nil {
			return err
		}
		switch key {
		case "protocol":
			p.Protocol = val
		case "api_key":
			p.APIKey = val
		case "base_url":
			p.BaseURL = val
		case "model":
			p.Model = val
		case "timeout":
			dur, err := caddy.ParseDuration(val)
			if err != nil {
				return d.Errf("provider %s: timeout %q: %v", name, val, err)
			}
			p.Timeout = caddy.Duration(dur)
		default:
			return d.Errf("provider %s: unrecognized setting %q (known: protocol, api_key, base_url, model, timeout, passthrough_allow, unpriced)", name, key)
		}
	}
	if err := p.withDefaults(name).validate(name); err != nil {
		return d.WrapErr(err)
	}
	if app.Providers == nil {
		app.Providers = map[string]Provider{}
	}
	app.Providers[name] = p
	return nil
}

// parseHandlerDirective sets up the kaine handler. It takes no arguments:
//
//	kaine
func parseHandlerDirective(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	handler := new(Handler)
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return handler, err
}

// UnmarshalCaddyfile reads the directive, which has no arguments or block.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("the kaine directive takes no block; configure it in the kaine global option")
	}
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)

// positiveDuration reads the one argument of the option d is on, a
// positive duration like example, into out.
func positiveDuration(d *caddyfile.Dispenser, out *caddy.Duration, example string) error {
	option := d.Val()
	var val string
	if err := oneArg(d, &val); err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(val)
	if err != nil || dur <= 0 {
		return d.Errf("%s %q is not a positive duration like %s", option, val, example)
	}
	*out = caddy.Duration(dur)
	return nil
}
