package dashboard

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	scriptTag   = regexp.MustCompile(`<script[^>]*>`)
	formControl = regexp.MustCompile(`<(?:input|select)[^>]*>`)
	controlID   = regexp.MustCompile(`\bid="([^"]+)"`)
	loadedFrom  = regexp.MustCompile(`(?:src|href)="([^"]*\.(?:css|js)[^"]*)"`)
)

// TestPagesAreSelfContainedAndLabelled renders every kind of page and
// checks what the content policy and a keyboard or phone user need: no
// inline style or script (the policy would block them), nothing loaded
// from elsewhere, a viewport, a main landmark, and a label for every
// field.
func TestPagesAreSelfContainedAndLabelled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.account.status = testStatus()
	if _, _, err := h.accounts.CreateKey(h.alice.ID, "k", 1); err != nil {
		t.Fatal(err)
	}
	anon, alice := h.browser(), h.signedIn(h.alice)
	keys := alice.get("keys")
	pages := map[string]page{
		"sign-in":     anon.get("signin"),
		"link":        anon.get("signin/abc"),
		"email sent":  anon.post("signin/email", anon.get("signin").form("email", "x@example.com")),
		"keys":        keys,
		"key created": alice.post("keys", keys.form("name", "new", "scope", "read")),
		"revoke":      alice.get("keys/1/revoke"),
		"usage":       alice.get("usage"),
		"audit":       alice.get("audit"),
		"runs":        alice.get("runs"),
		"providers":   alice.get("providers"),
		"not found":   alice.get("runs/agent/1"),
	}
	c := newConsoleHarness(t)
	c.op.CreateUser("carol", "carol@example.com", "pro")
	op := c.browser(t)
	pages["console users"] = op.get("")
	pages["console link"] = op.post("users/1/link", pages["console users"].form())
	pages["console end"] = op.get("users/1/end-sign-ins")
	pages["console health"] = op.get("health")

	for name, p := range pages {
		if p.status >= 500 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", name, p.status, p.header.Get("Content-Type"))
			continue
		}
		if strings.Contains(p.body, "style=") || strings.Contains(p.body, "<style") {
			t.Errorf("%s has an inline style", name)
		}
		for _, tag := range scriptTag.FindAllString(p.body, -1) {
			if !strings.Contains(tag, ` src="/`) {
				t.Errorf("%s has an inline or foreign script: %s", name, tag)
			}
		}
		for _, m := range loadedFrom.FindAllStringSubmatch(p.body, -1) {
			if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
				t.Errorf("%s loads %s from elsewhere", name, m[1])
			}
		}
		for _, want := range []string{`<html lang="en">`, `<meta name="viewport" content="width=device-width, initial-scale=1">`, `<main id="main"`, `<a class="skip" href="#main">`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		for _, control := range formControl.FindAllString(p.body, -1) {
			if strings.Contains(control, `type="hidden"`) || strings.Contains(control, `type="checkbox"`) {
				continue // checkboxes sit inside their label
			}
			id := controlID.FindStringSubmatch(control)
			if id == nil || !strings.Contains(p.body, `for="`+id[1]+`"`) {
				t.Errorf("%s: a field without a label: %s", name, control)
			}
		}
	}
	if pages["not found"].status != http.StatusNotFound {
		t.Errorf("the missing run answered %d", pages["not found"].status)
	}
}
