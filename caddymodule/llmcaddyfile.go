package caddymodule

import (
	"errors"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/keinetech/kaine/money"
)

// parseModel reads a model block, which changes the catalog's model of
// that name (id or alias), points the name at another id, or adds one:
//
//	model <name> {
//		provider              <name>
//		id                    <provider's model id>
//		input_usd             <USD per million tokens>
//		output_usd            <…>
//		cache_read_usd        <…>
//		cache_write_usd       <…>
//		cache_write_1h_usd    <…>
//		no_temperature        [true|false]
//		max_temperature       <number>
//		max_completion_tokens [true|false]
//		disable_thinking      [true|false]
//		adaptive_thinking     [true|false]  (Claude 5.x: thinking without a budget)
//		reasoning_effort      <minimal|low|medium|high>
//		retires               <YYYY-MM-DD>|never
//		replacement           <model id>
//	}
func parseModel(d *caddyfile.Dispenser, app *App) error {
	var alias string
	if err := oneArg(d, &alias); err != nil {
		return err
	}
	if _, dup := app.Models[alias]; dup {
		return d.Errf("model %q is defined twice", alias)
	}
	var mc ModelConfig
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("model %s: %s takes one value", alias, key)
			}
			return args[0], nil
		}
		var err error
		switch key {
		case "provider":
			mc.Provider, err = one()
		case "id":
			mc.ID, err = one()
		case "input_usd":
			mc.InputUSD, err = parsePrice(one)
		case "output_usd":
			mc.OutputUSD, err = parsePrice(one)
		case "cache_read_usd":
			mc.CacheReadUSD, err = parsePrice(one)
		case "cache_write_usd":
			mc.CacheWriteUSD, err = parsePrice(one)
		case "cache_write_1h_usd":
			mc.CacheWrite1hUSD, err = parsePrice(one)
		case "max_temperature":
			var v string
			if v, err = one(); err == nil {
				var f float64
				f, err = strconv.ParseFloat(v, 64)
				mc.MaxTemperature = &f
			}
		case "no_temperature":
			mc.NoTemperature, err = parseFlag(args)
		case "max_completion_tokens":
			mc.MaxCompletionTokens, err = parseFlag(args)
		case "disable_thinking":
			mc.DisableThinking, err = parseFlag(args)
		case "adaptive_thinking":
			mc.AdaptiveThinking, err = parseFlag(args)
		case "thinking_level":
			mc.ThinkingLevel, err = parseFlag(args)
		case "reasoning":
			mc.Reasoning, err = parseFlag(args)
		case "reasoning_effort":
			var v string
			if v, err = one(); err == nil {
				mc.ReasoningEffort = &v
			}
		case "retires":
			var v string
			if v, err = one(); err == nil {
				mc.Retires = &v
			}
		case "replacement":
			var v string
			if v, err = one(); err == nil {
				mc.Replacement = &v
			}
		default:
			return d.Errf("model %s: unrecognized setting %q", alias, key)
		}
		if err != nil {
			return d.Errf("model %s: %s: %v", alias, key, err)
		}
	}
	if err := mc.validate(alias); err != nil {
		return d.WrapErr(err)
	}
	if app.Models == nil {
		app.Models = map[string]ModelConfig{}
	}
	app.Models[alias] = mc
	return nil
}

func parsePrice(one func() (string, error)) (*money.MicroUSD, error) {
	v, err := one()
	if err != nil {
		return nil, err
	}
	m, err := money.ParseUSD(v)
	if err != nil {
		return nil, err
	}
	if m < 0 {
		return nil, errors.New("a price must not be negative")
	}
	return &m, nil
}

// parseFlag reads a flag written alone (true) or with true or false.
func parseFlag(args []string) (*bool, error) {
	v := true
	switch {
	case len(args) == 0:
	case len(args) == 1 && (args[0] == "true" || args[0] == "false"):
		v = args[0] == "true"
	default:
		return nil, errors.New("takes no value, true or false")
	}
	return &v, nil
}

// parseRouting reads the routing block:
//
//	routing {
//		cheap_tasks      caption summarize classify follow_up reply
//		cheap_route      gemini-flash gpt-mini haiku
//		default_route    sonnet gpt gemini
//		byok_fee_usd     0.0005
//		breaker_failures 5
//		breaker_open     30s
//	}
func parseRouting(d *caddyfile.Dispenser, app *App) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	if app.Routing != nil {
		return d.Err("the routing block may appear only once")
	}
	rc := new(Routing)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.Errf("routing: %s needs a value", key)
		}
		switch key {
		case "cheap_tasks":
			rc.CheapTasks = args
		case "cheap_route":
			rc.CheapRoute = args
		case "default_route":
			rc.DefaultRoute = args
		case "byok_fee_usd", "breaker_failures", "breaker_open":
			if len(args) != 1 {
				return d.Errf("routing: %s takes one value", key)
			}
			if err := rc.setScalar(key, args[0]); err != nil {
				return d.Errf("routing: %s: %v", key, err)
			}
		default:
			return d.Errf("routing: unrecognized setting %q", key)
		}
	}
	if err := rc.validate(); err != nil {
		return d.WrapErr(err)
	}
	app.Routing = rc
	return nil
}

func (rc *Routing) setScalar(key, val string) error {
	switch key {
	case "byok_fee_usd":
		fee, err := money.ParseUSD(val)
		if err != nil {
			return err
		}
		rc.BYOKFeeUSD = &fee
	case "breaker_failures":
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil || n == 0 {
			return errors.New("must be a whole number above 0")
		}
		rc.BreakerFailures = uint32(n)
	case "breaker_open":
		dur, err := caddy.ParseDuration(val)
		if err != nil || dur == 0 {
			return errors.New("must be a positive duration like 30s")
		}
		rc.BreakerOpen = caddy.Duration(dur)
	}
	return nil
}
