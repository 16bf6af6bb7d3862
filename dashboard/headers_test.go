package dashboard

import (
	"net/http"
	"net/url"
	"testing"
)

func wantSecurityHeaders(t *testing.T, what string, p page, cacheable bool) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
	}
	if cacheable {
		want["Cache-Control"] = "public, max-age=31536000, immutable"
	}
	for name, value := range want {
		if got := p.header.Get(name); got != value {
			t.Errorf("%s (%d): %s = %q, want %q", what, p.status, name, got, value)
		}
	}
}

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	anon, alice := h.browser(), h.signedIn(h.alice)
	answers := []struct {
		what      string
		page      page
		status    int
		cacheable bool
	}{
		{"the sign-in page", anon.get("signin"), http.StatusOK, false},
		{"a link's page", anon.get("signin/abc"), http.StatusOK, false},
		{"a signed-in page", alice.get("keys"), http.StatusOK, false},
		{"the root's redirect", alice.get(""), http.StatusSeeOther, false},
		{"a redirect to sign in", anon.get("usage"), http.StatusSeeOther, false},
		{"a 404", alice.get("nowhere"), http.StatusNotFound, false},
		{"a 405", alice.post("usage", url.Values{}), http.StatusMethodNotAllowed, false},
		{"a 403", alice.post("keys", url.Values{"name": {"x"}, "scope": {"read"}}), http.StatusForbidden, false},
		{"a used link", anon.post("signin/abc", anon.get("signin/abc").form()), http.StatusBadRequest, false},
		{"the stylesheet", anon.get("static/dashboard.css"), http.StatusOK, true},
		{"the script", anon.get("static/dashboard.js"), http.StatusOK, true},
		{"a missing asset", anon.get("static/other.css"), http.StatusNotFound, false},
	}
	for _, a := range answers {
		if a.page.status != a.status {
			t.Errorf("%s: status %d, want %d", a.what, a.page.status, a.status)
		}
		wantSecurityHeaders(t, a.what, a.page, a.cacheable)
	}
	if allow := answers[6].page.header.Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("the 405's Allow = %q", allow)
	}

	c := newConsoleHarness(t)
	op := c.browser(t)
	wantSecurityHeaders(t, "the console", op.get(""), false)
	wantSecurityHeaders(t, "the console's 404", op.get("nowhere"), false)
	wantSecurityHeaders(t, "the console's stylesheet", op.get("static/dashboard.css"), true)
}

func TestAssetsAreServedWithTheirTypes(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.browser()
	for file, typ := range map[string]string{"dashboard.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"} {
		p := b.get("static/" + file)
		if p.status != http.StatusOK || p.header.Get("Content-Type") != typ || p.body != string(assets[file].body) {
			t.Errorf("%s: %d %q, %d bytes", file, p.status, p.header.Get("Content-Type"), len(p.body))
		}
	}
	// Pages link them with their version, so a long cache is never stale.
	h.browser().get("signin").want(http.StatusOK,
		`href="/dashboard/static/dashboard.css?v=`+assets["dashboard.css"].version+`"`,
		`src="/dashboard/static/dashboard.js?v=`+assets["dashboard.js"].version+`"`)
}
