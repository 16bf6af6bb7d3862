package handlers

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

// Call is what the pipeline hands an endpoint: who is calling (Identity is
// nil on public routes) and the audit record, whose provider, model, token
// and cost fields a billable endpoint fills in.
type Call struct {
	Identity *accounts.Identity
	Audit    metering.AuditRecord
	// Start is when the request came in, for the gateway's own latency.
	Start time.Time

	reservation metering.Reservation
	reserved    bool
	ledger      Reserver
	// rateDue is the rate check a fleet put off until the call's
	// reservation, to make both in one round trip (nil: none due).
	rateDue *dueRate
}

// dueRate is a rate check put off: the account's rate and when it came.
type dueRate struct {
	rpm int
	at  time.Time
}

// HandlerFunc serves one endpoint of an authenticated (or public) call.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, call *Call)

// Route is one endpoint: its method, path and the scope a key needs.
// A path segment written {name} matches any one segment, read back with
// r.PathValue(name). Scope 0 makes the route public (no key needed).
type Route struct {
	Method string
	Path   string
	Scope  accounts.Scopes
	Handle HandlerFunc
	// Prefix makes Path match itself and everything under it, with any
	// method (Method is then ignored): the drop-in provider routes.
	Prefix bool
	// SDKKeys accepts the key in the headers the providers' SDKs send it
	// in (x-api-key, x-goog-api-key) as well as Authorization.
	SDKKeys bool
	// Errors is the shape of the route's error bodies, for the SDK its
	// callers use.
	Errors ErrorShape
	// Reserves marks an endpoint that reserves its cost before anything it
	// does reaches further than the gateway (a model call), and checks the
	// rate then (CheckDueRate) when it answers without one: in a fleet its
	// rate check waits for the reservation, and both take one round trip.
	Reserves bool
	// Home marks an endpoint of the business data (leads, pages, videos,
	// agent runs, knowledge, outbox) that a fleet keeps on one instance,
	// its home: the others forward such calls there unchanged.
	Home bool
}

// Router finds the route for a request. Static paths are a map lookup.
type Router struct {
	static   map[string][]*Route
	patterns [][]*Route // routes sharing one pattern path, with {name} segments
	prefixes []*Route   // longest first
}

// NewRouter indexes routes. Routes with the same path must differ in method.
func NewRouter(routes []Route) *Router {
	rt := &Router{static: map[string][]*Route{}}
	byPattern := map[string]int{}
	for i := range routes {
		r := &routes[i]
		if r.Prefix {
			rt.prefixes = append(rt.prefixes, r)
			continue
		}
		if !strings.Contains(r.Path, "{") {
			rt.static[r.Path] = append(rt.static[r.Path], r)
			continue
		}
		if j, ok := byPattern[r.Path]; ok {
			rt.patterns[j] = append(rt.patterns[j], r)
			continue
		}
		byPattern[r.Path] = len(rt.patterns)
		rt.patterns = append(rt.patterns, []*Route{r})
	}
	sort.Slice(rt.prefixes, func(i, j int) bool { return len(rt.prefixes[i].Path) > len(rt.prefixes[j].Path) })
	return rt
}

// Serves reports whether path is Kaine's: /v1 and under it, or under a
// prefix route. Other paths go on to the next handler.
func (rt *Router) Serves(path string) bool {
	if path == "/v1" || strings.HasPrefix(path, "/v1/") {
		return true
	}
	return rt.prefix(path) != nil
}

func (rt *Router) prefix(path string) *Route {
	for _, r := range rt.prefixes {
		if strings.HasPrefix(path, r.Path) {
			return r
		}
	}
	return nil
}

// ErrorShapeAt is the error shape of the routes at path, for an answer
// to a method none of them takes: a 405 from /v1/chat/completions reads in
// the OpenAI SDK like its other errors.
func (rt *Router) ErrorShapeAt(path string, r *http.Request) ErrorShape {
	candidates := rt.static[path]
	if candidates == nil {
		for _, group := range rt.patterns {
			if _, ok := matchPattern(group[0].Path, path); ok {
				candidates = group
				break
			}
		}
	}
	if len(candidates) == 0 {
		return KaineErrors
	}
	return candidates[0].ErrorShapeFor(r)
}

// Match returns the route for method and path, and the path values its
// pattern captured. With no route it returns nil and, when the path exists
// under other methods, those methods (for a 405 and its Allow header).
func (rt *Router) Match(method, path string) (route *Route, values []string, allowed []string) {
	if r := rt.prefix(path); r != nil {
		return r, nil, nil
	}
	candidates := rt.static[path]
	if candidates == nil {
		for _, group := range rt.patterns {
			if v, ok := matchPattern(group[0].Path, path); ok {
				candidates, values = group, v
				break
			}
		}
	}
	for _, r := range candidates {
		if r.Method == method {
			return r, values, nil
		}
		allowed = append(allowed, r.Method)
	}
	sort.Strings(allowed)
	return nil, nil, allowed
}

// matchPattern matches path against a pattern with {name} segments and
// returns the segment values in order.
func matchPattern(pattern, path string) ([]string, bool) {
	var values []string
	for pattern != "" && path != "" {
		pseg, prest, _ := strings.Cut(pattern, "/")
		seg, rest, _ := strings.Cut(path, "/")
		switch {
		case strings.HasPrefix(pseg, "{"):
			if seg == "" {
				return nil, false
			}
			values = append(values, seg)
		case pseg != seg:
			return nil, false
		}
		pattern, path = prest, rest
	}
	return values, pattern == "" && path == ""
}

// SetPathValues gives the handler its captured segments by name.
func (r *Route) SetPathValues(req *http.Request, values []string) {
	if len(values) == 0 {
		return
	}
	i := 0
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			req.SetPathValue(seg[1:len(seg)-1], values[i])
			i++
		}
	}
}
