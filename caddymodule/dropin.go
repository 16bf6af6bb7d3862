package caddymodule

import (
	"fmt"
	"net/url"
	"time"

	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/routing"
)

const defaultPassthroughMaxBody = 10 << 20

// passthroughMaxBody bounds a drop-in route's body, and a unified front's.
func (a *App) passthroughMaxBody() int64 {
	if a.PassthroughMaxBody <= 0 {
		return defaultPassthroughMaxBody
	}
	return a.PassthroughMaxBody
}

// dropIns builds one drop-in route per provider, over the same keys,
// prices and connection pools as the router.
func (a *App) dropIns(router *routing.Router) ([]*handlers.DropIn, error) {
	maxBody := a.passthroughMaxBody()
	var out []*handlers.DropIn
	for _, name := range sortedKeys(a.Providers) {
		p := a.Providers[name]
		target, err := url.Parse(p.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("provider %s: base_url: %w", name, err)
		}
		allow := handlers.DefaultAllow(p.Protocol)
		for _, r := range p.PassthroughAllow {
			rule, err := parseAllowRule(r)
			if err != nil {
				return nil, fmt.Errorf("provider %s: passthrough_allow %q: %w", name, r, err)
			}
			allow = append(allow, rule)
		}
		unpriced, err := p.unpriced(router.Table())
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", name, err)
		}
		out = append(out, &handlers.DropIn{
			Name: name, Protocol: p.Protocol, Mount: handlers.MountFor(name, p.Protocol), Target: target, Unpriced: unpriced,
			Key: a.providerKeys[name], Keyless: a.keyless(name), Allow: allow, Table: router.Table(), BYOKFee: a.Routing.byokFee(),
			MaxBody: maxBody, Timeout: time.Duration(p.Timeout), Transport: a.runtime.httpClient(name, p.BaseURL).Transport,
		})
	}
	return out, nil
}
