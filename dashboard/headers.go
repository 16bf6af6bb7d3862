package dashboard

import "net/http"

// contentPolicy lets a page load only its own stylesheet, script and
// images, post forms only to itself, and be framed by no one. Inline
// styles and scripts are refused too, so the templates have none.
const contentPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every answer, error pages and
// redirects included. Pages hold keys, links and account data, so none
// is stored by a cache; the static assets alone replace Cache-Control.
func secure(next http.Handler) http.Handler {
	guarded := crossOrigin.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		guarded.ServeHTTP(w, r)
	})
}

// crossOrigin refuses a state-changing request a browser marks as sent
// from another origin (Sec-Fetch-Site, else Origin against Host): unlike
// SameSite cookies it tells ports apart, so a page served on another
// localhost port cannot post to the console.
var crossOrigin = http.NewCrossOriginProtection()
