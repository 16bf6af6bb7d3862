package caddymodule

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Fleet makes this gateway one of many that share their keys, rate limits
// and caps through one Redis (7 or Valkey).
type Fleet struct {
	// Redis is redis://[user@]host:port/db, or rediss:// for TLS.
	Redis string `json:"redis"`
	// Password, usually a placeholder like {env.REDIS_PASSWORD}, replaces
	// any password in the URL.
	Password string `json:"password,omitempty"`
	// Prefix starts every key this fleet writes. Default: kaine.
	Prefix string `json:"prefix,omitempty"`
	// Lease is how long a call's cap reservation holds without being
	// settled before any instance may take it back (its instance died):
	// longer than any call. Default: 15m.
	Lease caddy.Duration `json:"lease,omitempty"`
	// Home is the address of the instance that keeps the fleet's business
	// data (leads, pages, videos, agent runs, knowledge, outbox), such as
	// http://kaine-home:8080: this instance forwards those endpoints there
	// unchanged. Empty on the home itself; a placeholder such as
	// {env.KAINE_HOME} may resolve to empty there.
	Home string `json:"home,omitempty"`
}

const (
	defaultFleetLease = 15 * time.Minute
	// minFleetLease is as short as a lease may be: one shorter than a call
	// gives its hold back while the call runs (its cost still counts).
	minFleetLease = 10 * time.Second
)

// parseFleet reads
//
//	fleet {
//		redis    redis://kaine-redis:6379/0
//		password {env.REDIS_PASSWORD}
//		prefix   kaine
//		lease    15m
//		home     http://kaine-home:8080
//	}
func parseFleet(d *caddyfile.Dispenser, app *App) error {
	if app.Fleet != nil {
		return d.Err("fleet may appear only once")
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	f := &Fleet{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch key := d.Val(); key {
		case "redis":
			if err := oneArg(d, &f.Redis); err != nil {
				return err
			}
		case "password":
			if err := oneArg(d, &f.Password); err != nil {
				return err
			}
		case "prefix":
			if err := oneArg(d, &f.Prefix); err != nil {
				return err
			}
		case "lease":
			if err := positiveDuration(d, &f.Lease, "15m"); err != nil {
				return err
			}
		case "home":
			if err := oneArg(d, &f.Home); err != nil {
				return err
			}
		default:
			return d.Errf("fleet: unrecognized setting %q (known: redis, password, prefix, lease, home)", key)
		}
	}
	if err := f.validate(); err != nil {
		return d.WrapErr(err)
	}
	app.Fleet = f
	return nil
}

// validate checks the settings as written (placeholders unresolved).
func (f *Fleet) validate() error {
	if !strings.Contains(f.Redis, "{") { // a placeholder is checked once resolved
		if err := validRedis(f.Redis); err != nil {
			return err
		}
	}
	if f.Home != "" && !strings.Contains(f.Home, "{") { // a placeholder is checked once resolved
		if err := validHome(f.Home); err != nil {
			return err
		}
	}
	if f.Lease != 0 && time.Duration(f.Lease) < minFleetLease {
		return fmt.Errorf("fleet: lease must be at least %s, longer than any call", minFleetLease)
	}
	return nil
}

// home resolves the home's address: empty on the home itself.
func (f *Fleet) home(repl *caddy.Replacer) (string, error) {
	home := repl.ReplaceAll(f.Home, "")
	if home == "" {
		return "", nil
	}
	return home, validHome(home)
}

// validRedis checks a Redis URL without ever printing it: it may hold a
// password.
func validRedis(raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return errors.New("fleet: redis is not a redis:// or rediss:// URL with a host")
	}
	return nil
}

func validHome(home string) error {
	h, err := url.Parse(home)
	if err != nil || (h.Scheme != "http" && h.Scheme != "https") || h.Host == "" || (h.Path != "" && h.Path != "/") {
		return fmt.Errorf("fleet: home %q is not an http:// or https:// address with a host and no path", home)
	}
	return nil
}

func (f *Fleet) lease() time.Duration {
	if f.Lease == 0 {
		return defaultFleetLease
	}
	return time.Duration(f.Lease)
}
