package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestConsoleCreatesUsersAndChangesTiers(t *testing.T) {
	c := newConsoleHarness(t)
	b := c.browser(t)
	users := b.get("")
	users.want(http.StatusOK, "No users yet.", `<option>starter</option>`, `action="/kaine/console/users"`)
	if cookie := users.cookie("kaine_console_csrf"); cookie == nil || cookie.Path != "/kaine/console/" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("the console's CSRF cookie: %+v", cookie)
	}

	b.post("users", users.form("username", "carol", "email", "carol@example.com", "tier", "pro")).redirects("/kaine/console/")
	list := b.get("")
	list.want(http.StatusOK, "carol", "carol@example.com", `<option selected>pro</option>`, "$0 / $0")

	// The operator's mistakes are shown on the page, the form kept.
	b.post("users", users.form("username", "dave", "email", "dave@example.com", "tier", "gold")).
		want(http.StatusBadRequest, `<p class="problem" role="alert">creating user &#34;dave&#34;: unknown tier &#34;gold&#34;</p>`, `value="dave"`)
	b.post("users", users.form("username", "carol", "email", "c2@example.com", "tier", "pro")).
		want(http.StatusBadRequest, "username already taken")
	if _, ok := c.op.userByName("dave"); ok {
		t.Fatal("a refused user was created")
	}

	carol, _ := c.op.userByName("carol")
	b.post("users/1/tier", users.form("tier", "agency")).redirects("/kaine/console/")
	if carol, _ = c.op.userByName("carol"); carol.Tier != "agency" {
		t.Fatalf("tier %q", carol.Tier)
	}
	b.post("users/1/tier", users.form("tier", "gold")).want(http.StatusBadRequest, "changing the tier of carol: unknown tier")
	b.post("users/9/tier", users.form("tier", "pro")).want(http.StatusNotFound)
	if errs := c.errs.all(); len(errs) != 0 {
		t.Fatalf("the operator's mistakes were logged: %v", errs)
	}

	// Anything else is logged, and the page says nothing of it.
	c.op.broken = errors.New("bbolt: database not open")
	p := b.get("")
	p.want(http.StatusInternalServerError, "Something went wrong")
	if strings.Contains(p.body, "bbolt") || len(c.errs.all()) != 1 {
		t.Fatalf("the error: %v, shown: %v", c.errs.all(), strings.Contains(p.body, "bbolt"))
	}
}

func TestConsoleShowsASignInLinkOnce(t *testing.T) {
	c := newConsoleHarness(t)
	c.op.CreateUser("carol", "carol@example.com", "pro")
	b := c.browser(t)
	form := b.get("").form()
	p := b.post("users/1/link", form)
	p.want(http.StatusOK, `value="https://gw.example/dashboard/signin/token-1-1"`, `data-copy="link"`,
		"until 2026-12-06 12:15:00 UTC (15 minutes from now)", "shown once")
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	if strings.Contains(b.get("").body, "token-1-1") {
		t.Fatal("the users page shows the link again")
	}
	b.post("users/2/link", form).want(http.StatusNotFound)
}

func TestConsoleEndsSignInsAfterAsking(t *testing.T) {
	c := newConsoleHarness(t)
	c.op.CreateUser("carol", "carol@example.com", "pro")
	b := c.browser(t)
	b.get("").want(http.StatusOK, `href="/kaine/console/users/1/end-sign-ins"`)
	confirm := b.get("users/1/end-sign-ins")
	confirm.want(http.StatusOK, "End every dashboard session of carol", `<form method="post" action="/kaine/console/users/1/end-sign-ins">`)
	b.post("users/1/end-sign-ins", confirm.form()).want(http.StatusOK, "carol&#39;s dashboard sessions ended (2)")
	if len(c.op.ended) != 1 || c.op.ended[0] != 1 {
		t.Fatalf("ended: %v", c.op.ended)
	}
}

func TestConsoleRefusesPostsWithoutItsCSRFToken(t *testing.T) {
	c := newConsoleHarness(t)
	c.op.CreateUser("carol", "carol@example.com", "pro")
	b := c.browser(t)
	b.get("") // the cookie is set; the field is missing or wrong
	for _, path := range []string{"users", "users/1/tier", "users/1/link", "users/1/end-sign-ins"} {
		b.post(path, url.Values{"username": {"mallory"}, "email": {"m@example.com"}, "tier": {"agency"}}).want(http.StatusForbidden)
		b.post(path, url.Values{csrfField: {"AAAAAAAAAAAAAAAAAAAAAAAAAA"}, "tier": {"agency"}}).want(http.StatusForbidden)
	}
	carol, _ := c.op.userByName("carol")
	if _, ok := c.op.userByName("mallory"); ok || carol.Tier != "pro" || c.op.links != 0 || len(c.op.ended) != 0 {
		t.Fatalf("a forged post did something: %+v, %d links, ended %v", c.op.users, c.op.links, c.op.ended)
	}
}

func TestConsoleShowsProvidersAndHealth(t *testing.T) {
	c := newConsoleHarness(t)
	b := c.browser(t)
	b.get("providers").want(http.StatusOK, "<code>claude-sonnet-5</code>", "Unavailable: its breaker is open", `aria-current="page">Providers`)
	b.get("health").want(http.StatusOK, "3 of 8192 records waiting", "5.0 MiB")
	b.post("health", url.Values{}).want(http.StatusMethodNotAllowed)
}
