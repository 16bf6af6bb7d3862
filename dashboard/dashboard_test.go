package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keinetech/kaine/metering"
)

func TestNewRefusesIncompleteOptions(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	complete := Options{PublicURL: "https://gw.example", Keys: h.accounts, SignIn: h.signIn, Account: h.account, Users: h.accounts,
		Limiter: &metering.RateLimiter{}, OnError: h.errs.record}
	if d, err := New(complete); err != nil || d.LinkURL("tok") != "https://gw.example/dashboard/signin/tok" {
		t.Fatalf("complete options: %v", err)
	}
	for name, change := range map[string]func(*Options){
		"no public URL": func(o *Options) { o.PublicURL = "" },
		"no keys":       func(o *Options) { o.Keys = nil },
		"no limiter":    func(o *Options) { o.Limiter = nil },
		"no OnError":    func(o *Options) { o.OnError = nil },
		"a bare prefix": func(o *Options) { o.Prefix = "/dashboard" },
		"a pattern":     func(o *Options) { o.Prefix = "/{x}/" },
	} {
		o := complete
		change(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewConsole(ConsoleOptions{OnError: h.errs.record}); err == nil {
		t.Error("a console without an Operator was accepted")
	}
}

func TestAnotherPrefix(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	d, err := New(Options{Prefix: "/me/", PublicURL: "https://gw.example/", Keys: h.accounts, SignIn: h.signIn, Account: h.account,
		Users: h.accounts, Limiter: &metering.RateLimiter{}, OnError: h.errs.record})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.LinkURL("tok"); got != "https://gw.example/me/signin/tok" {
		t.Fatalf("LinkURL = %q", got)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()
	b := newBrowser(t, srv, "/me/")
	b.get("").redirects("/me/signin")
	p := b.get("signin")
	p.want(http.StatusOK, `href="/me/static/dashboard.css?v=`)
	if c := p.cookie("kaine_csrf"); c == nil || c.Path != "/me/" {
		t.Fatalf("CSRF cookie %+v", c)
	}
	if strings.Contains(p.body, "/dashboard/") {
		t.Fatal("the page links to the default prefix")
	}
	newBrowser(t, srv, "/dashboard/").get("signin").want(http.StatusNotFound)
}
