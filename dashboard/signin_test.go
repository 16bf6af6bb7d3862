package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestSignInByLink(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	token, _, err := h.signIn.NewLink(h.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser()

	// The GET only shows a button: a mail scanner fetching the link
	// leaves it good.
	p := b.get("signin/" + token)
	p.want(http.StatusOK, `<form method="post" action="/dashboard/signin/`+token+`"`, `<button type="submit">Sign in</button>`)
	b.get("signin/" + token)

	// A POST without the form's token is refused, and the link stays good.
	b.post("signin/"+token, url.Values{}).want(http.StatusForbidden)
	b.post("signin/"+token, url.Values{csrfField: {"wrong"}}).want(http.StatusForbidden)
	other := h.browser() // another browser's token does not match this one's cookie
	b.post("signin/"+token, other.get("signin/"+token).form()).want(http.StatusForbidden)

	b.post("signin/"+token, p.form()).redirects("/dashboard/keys")
	b.get("keys").want(http.StatusOK, "Signed in as <strong>alice</strong>")
	b.get("").redirects("/dashboard/keys")

	// The link worked once.
	again := h.browser()
	again.post("signin/"+token, again.get("signin/"+token).form()).want(http.StatusBadRequest,
		"This link was used or has expired; ask for a new one.")
	again.get("keys").redirects("/dashboard/signin")
}

func TestUnknownAndMalformedLinksReadTheSame(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.browser()
	var bodies []string
	for _, token := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "junk"} {
		p := b.post("signin/"+token, b.get("signin/"+token).form())
		p.want(http.StatusBadRequest)
		bodies = append(bodies, p.body)
	}
	if bodies[0] != bodies[1] {
		t.Fatal("an unknown link and a malformed one answer differently")
	}
}

// Cookies are Secure over TLS, and without it when the public URL is
// HTTPS (a proxy in front ends TLS).
func TestSessionCookie(t *testing.T) {
	for _, c := range []struct {
		tls       bool
		publicURL string
		secure    bool
	}{{false, "http://gw.example", false}, {false, "https://gw.example", true}, {true, "http://gw.example", true}} {
		secure := c.secure
		t.Run("tls="+strconv.FormatBool(c.tls)+" "+c.publicURL, func(t *testing.T) {
			h := newHarness(t, harnessOptions{tls: c.tls, publicURL: c.publicURL})
			token, _, _ := h.signIn.NewLink(h.alice.ID)
			b := h.browser()
			shown := b.get("signin/" + token)
			csrf := shown.cookie("kaine_csrf")
			if csrf == nil || csrf.Path != "/dashboard/" || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Secure != secure || len(csrf.Value) != 26 {
				t.Fatalf("CSRF cookie: %+v", csrf)
			}
			p := b.post("signin/"+token, shown.form())
			p.redirects("/dashboard/keys")
			c := p.cookie("kaine_session")
			if c == nil || c.Value == "" || c.Path != "/dashboard/" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode ||
				c.Secure != secure || c.Domain != "" || c.MaxAge != 0 {
				t.Fatalf("session cookie: %+v", c)
			}
			if _, err := h.signIn.Session(c.Value); err != nil {
				t.Fatalf("the cookie holds no live session: %v", err)
			}

			out := b.post("signout", b.get("keys").form())
			out.redirects("/dashboard/signin")
			if gone := out.cookie("kaine_session"); gone == nil || gone.MaxAge >= 0 || gone.Path != "/dashboard/" {
				t.Fatalf("sign-out's cookie: %+v", gone)
			}
			if _, err := h.signIn.Session(c.Value); err == nil {
				t.Fatal("the session outlived sign-out")
			}
			b.get("keys").redirects("/dashboard/signin")
		})
	}
}

func TestAnEndedSessionSendsToSignInAndClearsItsCookie(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.signedIn(h.alice)
	if _, err := h.signIn.EndAll(h.alice.ID); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", "keys", "keys/1/revoke", "usage", "audit", "runs", "runs/agent/1", "providers"} {
		p := b.get(path)
		p.redirects("/dashboard/signin")
		if path == "" {
			if c := p.cookie("kaine_session"); c == nil || c.MaxAge >= 0 {
				t.Fatalf("the dead session's cookie was kept: %+v", c)
			}
		}
	}
	h.browser().post("keys", url.Values{}).redirects("/dashboard/signin")
}

func TestEmailSignInAnswersTheSameForAnyAddress(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.browser()
	signInPage := b.get("signin")
	signInPage.want(http.StatusOK, "kaine users login-link --user USERNAME", `action="/dashboard/signin/email"`, `name="email"`)

	known := b.post("signin/email", signInPage.form("email", " alice@EXAMPLE.com "))
	unknown := b.post("signin/email", signInPage.form("email", "nobody@example.com"))
	known.want(http.StatusOK, "If that address has an account, a sign-in link is on its way. It works once, for 15 minutes.")
	if known.body != unknown.body || unknown.status != known.status {
		t.Fatalf("the answers differ:\n%s\n---\n%s", known.body, unknown.body)
	}
	sent := h.mailer.links()
	if len(sent) != 1 || sent[0].user.ID != h.alice.ID || !strings.HasPrefix(sent[0].link, "https://gw.example/dashboard/signin/") {
		t.Fatalf("sent: %+v", sent)
	}

	// The mailed link signs in.
	path := strings.TrimPrefix(sent[0].link, "https://gw.example/dashboard/")
	mail := h.browser()
	mail.post(path, mail.get(path).form()).redirects("/dashboard/keys")

	// A failed mail is logged, and the answer is still the same.
	h.mailer.fail = errors.New("smtp: connection refused")
	failed := b.post("signin/email", signInPage.form("email", "bob@example.com"))
	if failed.body != known.body {
		t.Fatalf("a failed mail shows:\n%s", failed.body)
	}
	if errs := h.errs.all(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "connection refused") {
		t.Fatalf("logged: %v", errs)
	}
}

func TestNoEmailSignInWithoutAMailer(t *testing.T) {
	h := newHarness(t, harnessOptions{noMailer: true})
	b := h.browser()
	p := b.get("signin")
	if p.status != http.StatusOK || strings.Contains(p.body, "signin/email") {
		t.Fatalf("the sign-in page offers email without a mailer:\n%s", p.body)
	}
	b.post("signin/email", url.Values{"email": {"alice@example.com"}}).want(http.StatusNotFound)
	b.get("signin/email").want(http.StatusMethodNotAllowed)
}

func TestSignInAttemptsAreRateLimited(t *testing.T) {
	h := newHarness(t, harnessOptions{signInsPerMinute: 3})
	token, _, _ := h.signIn.NewLink(h.alice.ID)
	b := h.browser()
	form := b.get("signin/" + token).form()
	for range 2 {
		b.post("signin/bogus", form).want(http.StatusBadRequest)
	}
	b.post("signin/email", form).want(http.StatusOK)
	p := b.post("signin/"+token, form)
	p.want(http.StatusTooManyRequests)
	if s, err := strconv.Atoi(p.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After %q", p.header.Get("Retry-After"))
	}
	b.post("signin/email", form).want(http.StatusTooManyRequests)
	if _, err := h.signIn.Redeem(token); err != nil {
		t.Fatalf("a refused attempt used the link: %v", err)
	}
}

// Signing in again from the same browser ends the session it held.
func TestASecondSignInEndsTheFirstSession(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.browser()
	first, _, _ := h.signIn.NewLink(h.alice.ID)
	p := b.post("signin/"+first, b.get("signin/"+first).form())
	old := p.cookie("kaine_session")
	second, _, _ := h.signIn.NewLink(h.alice.ID)
	b.post("signin/"+second, b.get("signin/"+second).form()).redirects("/dashboard/keys")
	if _, err := h.signIn.Session(old.Value); err == nil {
		t.Fatal("the first session outlived the second sign-in")
	}
}

func TestSignInsAreCountedByIPv4AddressOrIPv6Slash64(t *testing.T) {
	for ip, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"::ffff:192.0.2.7":     "::ffff:192.0.2.7",
		"not an address":       "not an address",
	} {
		if got := clientBucket(ip); got != want {
			t.Errorf("%s: %s, want %s", ip, got, want)
		}
	}
}

// A page elsewhere, another port of the same host included, cannot post
// a form here, whatever cookie it managed to set.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.browser()
	token, _, _ := h.signIn.NewLink(h.alice.ID)
	form := b.get("signin/" + token).form()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/dashboard/signin/"+token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-site") // localhost:other-port → localhost:this-port
	resp, err := b.client.Do(req)                 // with the browser's cookies
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-origin POST: %d", resp.StatusCode)
	}
	if user, err := h.signIn.Redeem(token); err != nil || user != h.alice.ID {
		t.Fatalf("the link was used by the refused POST: %v", err)
	}
}
