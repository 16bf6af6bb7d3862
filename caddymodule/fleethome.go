package caddymodule

import (
	"net/http"
	"net/http/httputil"
	"net/url"

	"go.uber.org/zap"

	"github.com/keinetech/kaine/handlers"
)

// homeProxy forwards the calls of the fleet's business data to its home
// instance unchanged: the home authenticates, limits, serves and audits
// them as its own, through the same Redis.
func homeProxy(home string, errs handlers.Errors, transport http.RoundTripper, logger *zap.Logger) (http.Handler, error) {
	target, err := url.Parse(home)
	if err != nil {
		return nil, err
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.Header().Set("X-Request-Id", r.Header.Get("X-Request-Id")) // the home would have
			logger.Warn("fleet home unreachable", zap.String("home", target.Host), zap.Error(err))
			errs.Write(w, handlers.CodeStoreUnavailable, "This endpoint's data is kept on the fleet's home instance, which could not be reached; retry shortly.")
		},
	}, nil
}
