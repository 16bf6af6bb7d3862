package caddymodule

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/handlers"
)

func init() {
	caddy.RegisterModule(new(Handler))
}

// Handler serves the Kaine v1 API under /v1/ and the drop-in provider
// routes (/anthropic/, /openai/v1/, /google/, /<name>/v1/). Any other path
// goes on to the next handler, so Kaine can share a site with other routes. It is
// configured by the kaine app; the directive itself takes no settings.
// Every answer it gives carries an X-Request-Id (the client's own when it
// is sane), and a call with a key sets the http.auth.user.id placeholder
// to the account's ID, for access logs.
type Handler struct {
	app *App
}

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.kaine", New: func() caddy.Module { return new(Handler) }}
}

// Provision finds the kaine app, creating it with defaults when the config
// has no kaine global option.
func (h *Handler) Provision(ctx caddy.Context) error {
	app, err := ctx.App("kaine")
	if err != nil {
		return fmt.Errorf("getting kaine app: %w", err)
	}
	h.app = app.(*App)
	return nil
}

// ServeHTTP walks a v1 or drop-in request through the pipeline, in this order:
// request ID → route → auth → rate limit → scope → endpoint → audit. Each
// step writes its own JSON error and ends the request there; every
// authenticated call, whatever its status, gets its audit record.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if !h.app.router.Serves(r.URL.Path) {
		if d := h.app.dashboard; d != nil && strings.HasPrefix(r.URL.Path+"/", h.app.dashboardPath()) {
			d.ServeHTTP(w, r) // its own sign-in: no API key
			return nil
		}
		return next.ServeHTTP(w, r)
	}
	start := time.Now()
	api, rt := h.app.api, h.app.runtime
	requestID := rt.requestIDs.For(r)
	w.Header().Set("X-Request-Id", requestID)
	logFields := logFieldsOf(r)
	if logFields != nil {
		logFields.Add(zap.String("request_id", requestID))
	}

	// Until the endpoint runs, any answer is a refusal that leaves the body
	// unread (see handlers.CloseUnread); each path lingers once the call
	// is accounted for.
	handlers.CloseUnread(w, r)
	defer handlers.Linger(w, r)
	route, values, allowed := h.app.router.Match(r.Method, r.URL.Path)
	if route == nil && allowed != nil {
		w = handlers.WithErrorShape(w, h.app.router.ErrorShapeAt(r.URL.Path, r))
	}
	if route == nil {
		// A caller with a key is told "no such endpoint" as any call is
		// answered: authenticated, limited and audited. Without one, the
		// 404 or 405 is all there is to say.
		if handlers.BearerKey(r) == "" {
			api.Unrouted(allowed).Handle(w, r, nil)
			return nil
		}
		route = api.Unrouted(allowed)
	} else {
		if route.Home && h.app.home != nil {
			// The home answers, under this request's ID: its log lines
			// and audit record name the call as this instance's do.
			r.Header.Set("X-Request-Id", requestID)
			w.Header().Del("X-Request-Id")
			h.app.home.ServeHTTP(w, r)
			return nil
		}
		// Errors from here on, the pipeline's included, take the route's
		// shape.
		w = handlers.WithErrorShape(w, route.ErrorShapeFor(r))
		if route.Scope == 0 {
			route.SetPathValues(r, values)
			keepAlive(w)
			route.Handle(w, r, &handlers.Call{Start: start})
			return nil
		}
	}
	route.SetPathValues(r, values)
	call := handlers.Call{Start: start}

	if call.Identity = api.Authenticate(w, r, route); call.Identity == nil {
		return nil
	}
	if logFields != nil {
		// Caddy's access log writes user_id itself, from this placeholder;
		// a field of our own would repeat it.
		if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
			repl.Set("http.auth.user.id", strconv.FormatUint(call.Identity.UserID, 10))
		}
		logFields.Add(zap.Uint64("key_id", call.Identity.KeyID))
	}
	rec := &handlers.Recorder{ResponseWriter: w}
	if api.Admitter != nil { // a fleet's rate check may be put off (see handlers.API.Limit)
		rec.BeforeAnswer = func() bool { return !api.CheckDueRate(rec, &call) }
	}
	// The limit comes before the scope check so that every authenticated
	// answer, a 403 included, carries the rate-limit headers, and a key
	// hammering a route it may not use is limited like any other.
	aborted := false
	if api.Limit(rec, &call, route) && api.Authorize(rec, route, call.Identity) {
		keepAlive(w)
		aborted = h.serveEndpoint(rec, r, route, &call)
	}

	end := time.Now()
	a := &call.Audit
	a.UserID, a.KeyID = call.Identity.UserID, call.Identity.KeyID
	a.RequestID, a.Endpoint, a.Method = requestID, r.URL.Path, r.Method
	a.Status, a.Error = rec.Status, rec.ErrorCode
	a.LatencyMS, a.Time = end.Sub(start).Milliseconds(), end
	h.app.auditLog().Record(*a)
	if aborted {
		// The answer was cut mid-way; abort the connection so the client
		// sees a broken response rather than a short one.
		panic(http.ErrAbortHandler)
	}
	return nil
}

// serveEndpoint runs the endpoint and releases any reservation it left open,
// even if it panics. A panic before the answer started becomes a 500
// internal_error, so the call is still answered, audited and uncharged;
// after that it reports aborted.
func (h *Handler) serveEndpoint(w *handlers.Recorder, r *http.Request, route *handlers.Route, call *handlers.Call) (aborted bool) {
	defer func() {
		call.Release()
		v := recover()
		if v == nil {
			return
		}
		if v != http.ErrAbortHandler {
			h.app.logger.Error("endpoint panicked",
				zap.String("endpoint", route.Path), zap.Any("panic", v), zap.StackSkip("stack", 1))
		}
		if w.Status != 0 {
			aborted = true
			return
		}
		h.app.api.Errors.Write(w, handlers.CodeInternal, "The gateway failed while serving this call; it was not charged. Try again.")
	}()
	route.Handle(w, r, call)
	return false
}

// logFieldsOf returns the request's access-log fields, or nil when no
// access log will write them: the fields would be built for nothing.
func logFieldsOf(r *http.Request) *caddyhttp.ExtraLogFields {
	if srv, _ := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server); srv == nil || srv.Logs == nil {
		return nil
	}
	f, _ := r.Context().Value(caddyhttp.ExtraLogFieldsCtxKey).(*caddyhttp.ExtraLogFields)
	return f
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

// keepAlive takes back the Connection: close set for refusals, now that the
// endpoint will read the body (and set it again if it refuses to).
func keepAlive(w http.ResponseWriter) { w.Header().Del("Connection") }
