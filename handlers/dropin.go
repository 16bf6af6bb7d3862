package handlers

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// DropIn is one provider served on a drop-in route: an SDK pointed at
// Kaine's URL for it works unchanged, and every call goes through auth,
// limits, the cap, metering and audit on its way to the provider.
type DropIn struct {
	Name     string
	Protocol string // anthropic, gemini or openai
	// Mount is the path prefix clients use: /anthropic, /google, or
	// /<name>/v1 for the openai protocol (whose SDKs' base URL ends in /v1,
	// as Target's path does).
	Mount  string
	Target *url.URL
	// Key is the gateway's key for the provider; a call may bring its own
	// in X-Kaine-Provider-Key (BYOK).
	Key string
	// Keyless marks a provider called without a key (a local server).
	Keyless bool
	Allow   []AllowRule
	// Table prices the calls; BYOKFee is what a call on the caller's key costs.
	Table   *routing.Table
	BYOKFee money.MicroUSD
	// Unpriced is what a call on the gateway's key naming a model the
	// table does not price gets: refused, served free or billed as another.
	Unpriced routing.Unpriced
	// MaxBody bounds a request body.
	MaxBody int64
	// Timeout bounds the provider's silence: the wait for its answer to
	// start, then each gap between reads of it.
	Timeout   time.Duration
	Transport http.RoundTripper

	proxy *httputil.ReverseProxy
}

// AllowRule lets one kind of request through to the provider. Pattern is
// the path below Mount, with * matching within one segment.
type AllowRule struct {
	Method  string
	Pattern string
	Billing Billing
}

// Billing is how the calls to an allowed endpoint are charged.
type Billing uint8

const (
	// Unread endpoints answer in a shape the meter does not know (ones the
	// operator allowed): their calls are billed nothing, audited with the
	// reason and counted.
	Unread Billing = iota
	// Metered endpoints generate, and their answers carry usage.
	Metered
	// Free endpoints (token counting, model lists) cost nothing.
	Free
	// Embedding endpoints cost their input tokens: from the answer's usage,
	// or, when it has none (Gemini's), counted from the request's text.
	Embedding
)

// DefaultAllow is what each protocol forwards unless configured otherwise:
// generation, embeddings, token counting and the model list.
func DefaultAllow(protocol string) []AllowRule {
	switch protocol {
	case routing.ProtocolAnthropic:
		return []AllowRule{
			{"POST", "/v1/messages", Metered},
			{"POST", "/v1/messages/count_tokens", Free},
			{"GET", "/v1/models", Free},
			{"GET", "/v1/models/*", Free},
		}
	case routing.ProtocolGemini:
		return []AllowRule{
			{"POST", "/v1beta/models/*:generateContent", Metered},
			{"POST", "/v1beta/models/*:streamGenerateContent", Metered},
			{"POST", "/v1beta/models/*:countTokens", Free},
			{"POST", "/v1beta/models/*:embedContent", Embedding},
			{"POST", "/v1beta/models/*:batchEmbedContents", Embedding},
			{"GET", "/v1beta/models", Free},
			{"GET", "/v1beta/models/*", Free},
		}
	case routing.ProtocolOpenAI:
		return []AllowRule{
			{"POST", "/chat/completions", Metered},
			{"POST", "/responses", Metered},
			{"POST", "/embeddings", Embedding},
			{"GET", "/models", Free},
			{"GET", "/models/*", Free},
		}
	}
	return nil
}

// MountFor is where a provider's drop-in route lives.
func MountFor(name, protocol string) string {
	if protocol == routing.ProtocolOpenAI {
		return "/" + name + "/v1"
	}
	return "/" + name
}

// allowed returns the rule that lets method and sub (the path below Mount)
// through, or nil.
func (d *DropIn) allowed(method, sub string) *AllowRule {
	for i := range d.Allow {
		rule := &d.Allow[i]
		if rule.Method != method {
			continue
		}
		if ok, _ := path.Match(rule.Pattern, sub); ok {
			return rule
		}
	}
	return nil
}

// dropInRoutes are the prefix routes of the drop-in providers.
func (a *API) dropInRoutes() []Route {
	routes := make([]Route, 0, len(a.DropIns))
	for _, d := range a.DropIns {
		d.proxy = d.newProxy(a)
		routes = append(routes, Route{Path: d.Mount + "/", Prefix: true, Scope: accounts.ScopeWrite, SDKKeys: true, Reserves: true,
			Handle: func(w http.ResponseWriter, r *http.Request, call *Call) { a.serveDropIn(d, w, r, call) }})
	}
	return routes
}

// subpath is the request path below the drop-in's mount.
func (d *DropIn) subpath(r *http.Request) string {
	return strings.TrimPrefix(r.URL.Path, d.Mount)
}

// servingDropIns names the drop-in routes that can take a call on the
// gateway's keys, for a caller who chose one that cannot.
func (a *API) servingDropIns() string {
	var mounts []string
	for _, d := range a.DropIns {
		if d.Key != "" || d.Keyless {
			mounts = append(mounts, d.Mount)
		}
	}
	if mounts == nil {
		return "none is configured"
	}
	return strings.Join(mounts, ", ")
}
