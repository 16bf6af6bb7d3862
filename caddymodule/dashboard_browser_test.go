package caddymodule

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// The dashboard in a real browser, through the gateway: sign in by link,
// make a key and use it, revoke it, read usage and audit, and the operator
// console; one account never sees another's.
func TestDashboardInTheBrowser(t *testing.T) {
	u := newUpstreams(t)
	consoleAddr := fmt.Sprintf("localhost:%d", freePort(t))
	g := startGateway(t, u.providers("console "+consoleAddr))
	angel := g.userWithKey("angel", "read", "write")
	shots := screenshots(t)
	tab := newTab(t)

	do(t, tab, chromedp.Navigate(g.base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	shots.take(tab, "signin")
	link := g.loginLink(angel.UserID)
	signInWith(t, tab, link)
	shots.take(tab, "keys")

	// A key made in the page is shown once, works, and is then a prefix.
	do(t, tab,
		chromedp.SendKeys(chromedp.CSS("#key-name"), "laptop"),
		chromedp.Click(chromedp.CSS(`input[name=scope][value=write]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/keys"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
	)
	shots.take(tab, "key-created")
	secret := run(t, tab, chromedp.Value(chromedp.CSS("#secret")))
	if status, _, body := g.do("GET", g.base+"/v1/me", secret, nil); status != 200 || !strings.Contains(string(body), `"username":"angel"`) {
		t.Fatalf("the new key on /v1/me: %d %s", status, body)
	}
	do(t, tab, chromedp.Navigate(g.base+"/dashboard/keys"))
	page := run(t, tab, chromedp.OuterHTML(chromedp.CSS("main")))
	if strings.Contains(page, secret) || !strings.Contains(page, secret[:14]) {
		t.Fatalf("the keys page after a reload shows the secret, or not its prefix:\n%s", page)
	}

	// Revoked in the page, refused by the API.
	do(t, tab,
		chromedp.Click(chromedp.CSS(`a[href$="/revoke"]`)), // the newest key first
		chromedp.WaitVisible(chromedp.CSS("button.danger")),
		chromedp.Click(chromedp.CSS("button.danger")),
		chromedp.WaitVisible(chromedp.CSS("#key-name")),
	)
	status, h, body := g.do("GET", g.base+"/v1/me", secret, nil)
	wantError(t, status, h, body, 401, "revoked_api_key")

	// A used link is refused.
	other := newTab(t)
	do(t, other, chromedp.Navigate(link), chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitNotPresent(chromedp.CSS("main form")))
	if text := run(t, other, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "used or has expired") {
		t.Fatalf("a used link: %s", text)
	}

	// Usage: the page's figures and chart are /v1/usage's.
	u.google.Default(fakeupstream.Reply{Text: "ok", Usage: fakeupstream.Usage{InputTokens: 40_000, OutputTokens: 9_000}})
	for range 3 {
		if status, _, _, raw := g.llm(angel.Key, map[string]any{"prompt": "hi", "task_type": "summarize"}); status != 200 {
			t.Fatalf("llm: %d %s", status, raw)
		}
	}
	activeApp(t).runtime.audit.Flush() // the breakdown reads committed records
	_, _, usage := g.do("GET", g.base+"/v1/usage", angel.Key, nil)
	used := gjson.GetBytes(usage, "status.used_usd").Raw
	do(t, tab, chromedp.Navigate(g.base+"/dashboard/usage"), chromedp.WaitVisible(chromedp.CSS("svg")))
	shots.take(tab, "usage")
	figures := run(t, tab, chromedp.Text(chromedp.CSS("dl.figures")))
	for _, want := range []string{"$" + used, "$" + gjson.GetBytes(usage, "status.remaining_usd").Raw, gjson.GetBytes(usage, "status.tier").Str} {
		if !strings.Contains(figures, want) {
			t.Fatalf("usage figures %q lack %q (/v1/usage: %s)", figures, want, usage)
		}
	}
	bars := run(t, tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("rect.bar")).map(b => b.dataset.usd)`))
	var sum money.MicroUSD
	for _, b := range bars {
		v, err := money.ParseUSD(b)
		if err != nil {
			t.Fatalf("bar %q: %v", b, err)
		}
		sum += v
	}
	if len(bars) != 30 || sum.String() != used {
		t.Fatalf("%d bars summing to %s; /v1/usage used %s", len(bars), sum, used)
	}
	byEndpoint := run(t, tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('section[aria-labelledby="by-endpoint"] td.num')).map(td => td.textContent)`))
	var spent money.MicroUSD
	for _, amount := range byEndpoint {
		v, err := money.ParseUSD(strings.TrimPrefix(amount, "$"))
		if err != nil {
			t.Fatalf("by endpoint %q: %v", amount, err)
		}
		spent += v
	}
	if spent.String() != used {
		t.Fatalf("spending by endpoint sums to %s; /v1/usage used %s", spent, used)
	}

	// Audit: filtered to one endpoint, every row is of it.
	do(t, tab,
		chromedp.Navigate(g.base+"/dashboard/audit"),
		chromedp.SendKeys(chromedp.CSS("#endpoint"), "/v1/llm"),
		chromedp.Submit(chromedp.CSS("#endpoint")),
	)
	// The new page, loaded whole: its address changes before its table is there.
	waitFor(t, tab, `location.search.includes("endpoint=") && document.readyState === "complete"`)
	shots.take(tab, "audit")
	endpoints := run(t, tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tbody tr td:nth-child(2)")).map(td => td.textContent)`))
	if len(endpoints) != 3 {
		t.Fatalf("audit filtered to /v1/llm shows %v", endpoints)
	}
	for _, e := range endpoints {
		if e != "/v1/llm" {
			t.Fatalf("audit filtered to /v1/llm shows %v", endpoints)
		}
	}
	for _, p := range []string{"runs", "providers", "api"} {
		do(t, tab, chromedp.Navigate(g.base+"/dashboard/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shots.take(tab, p)
	}

	// A form without its CSRF token does nothing.
	before := len(g.keysOf(angel.UserID))
	do(t, tab, chromedp.Navigate(g.base+"/dashboard/keys"))
	run(t, tab, chromedp.Evaluate[bool](`document.querySelector('form[action$="/keys"] input[name=csrf]').remove() === undefined`))
	do(t, tab,
		chromedp.SendKeys(chromedp.CSS("#key-name"), "forged"),
		chromedp.Click(chromedp.CSS(`form[action$="/keys"] button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#key-name")),
	)
	if title := run(t, tab, chromedp.Text(chromedp.CSS("main h1"))); title != "Form expired" || len(g.keysOf(angel.UserID)) != before {
		t.Fatalf("a POST without its CSRF token: page %q, %d keys (was %d)", title, len(g.keysOf(angel.UserID)), before)
	}

	// Another account's session sees none of angel's keys, usage or audit.
	bruno := g.userWithKey("bruno", "read")
	brunoTab := newTab(t)
	signInWith(t, brunoTab, g.loginLink(bruno.UserID))
	for _, p := range []string{"keys", "usage", "audit", "runs"} {
		do(t, brunoTab, chromedp.Navigate(g.base+"/dashboard/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shown := run(t, brunoTab, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("main table, main dl")).map(e => e.textContent).join(" ")`))
		if strings.Contains(shown, angel.Key[:14]) || strings.Contains(shown, "/v1/llm") || strings.Contains(shown, "$"+used) {
			t.Fatalf("bruno's %s page shows angel's data: %s", p, shown)
		}
	}
	angelKeyID := g.keysOf(angel.UserID)[0]
	do(t, brunoTab, chromedp.Navigate(fmt.Sprintf("%s/dashboard/keys/%d/revoke", g.base, angelKeyID)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if title := run(t, brunoTab, chromedp.Text(chromedp.CSS("main h1"))); title != "Not found" {
		t.Fatalf("bruno opening angel's key: %q", title)
	}

	// The operator console changes a tier.
	console := newTab(t)
	do(t, console,
		chromedp.Navigate("http://"+consoleAddr+"/"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#tier-%d", bruno.UserID))),
	)
	shots.take(console, "console")
	do(t, console,
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#tier-%d", bruno.UserID)), "pro"),
		chromedp.Submit(chromedp.CSS(fmt.Sprintf("#tier-%d", bruno.UserID))),
	)
	waitFor(t, console, fmt.Sprintf(`document.querySelector("#tier-%d") && document.querySelector("#tier-%d").value === "pro" && document.readyState === "complete"`, bruno.UserID, bruno.UserID))
	var users struct {
		Users []struct {
			ID   uint64 `json:"user_id"`
			Tier string `json:"tier"`
		} `json:"users"`
	}
	g.adminJSON("GET", "/kaine/users", nil, 200, &users)
	tier := ""
	for _, u := range users.Users {
		if u.ID == bruno.UserID {
			tier = u.Tier
		}
	}
	if tier != "pro" {
		t.Fatalf("bruno's tier after the console changed it: %q", tier)
	}
}

// loginLink asks the admin API for a sign-in link and returns it on the
// test's own address (public_url is the default).
func (g *gateway) loginLink(user uint64) string {
	g.t.Helper()
	var answer struct {
		URL string `json:"url"`
	}
	g.adminJSON("POST", fmt.Sprintf("/kaine/users/%d/login-link", user), nil, 201, &answer)
	u, err := url.Parse(answer.URL)
	if err != nil {
		g.t.Fatal(err)
	}
	return g.base + u.Path
}

// keysOf lists a user's key ids, newest first, from the admin API.
func (g *gateway) keysOf(user uint64) []uint64 {
	g.t.Helper()
	var list struct {
		Keys []struct {
			ID uint64 `json:"key_id"`
		} `json:"keys"`
	}
	g.adminJSON("GET", fmt.Sprintf("/kaine/keys?user_id=%d", user), nil, 200, &list)
	ids := make([]uint64, len(list.Keys))
	for i, k := range list.Keys {
		ids[len(ids)-1-i] = k.ID
	}
	return ids
}

// signInWith follows a sign-in link in a tab: the page, then its button.
func signInWith(t *testing.T, tab context.Context, link string) {
	t.Helper()
	do(t, tab,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#key-name")),
	)
}

// waitFor waits until a JavaScript expression holds in the tab: for a
// form's answer to have replaced the page that sent it.
func waitFor(t *testing.T, tab context.Context, expression string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// While the page is being replaced an evaluation fails: try again.
		if ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](expression)); err == nil && ok {
			return
		}
	}
	t.Fatalf("after 10s the page still does not hold: %s", expression)
}

func do(t *testing.T, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(tab, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// screenshotter saves full-page screenshots into KAINE_SCREENSHOTS, when
// set: docs/operating.md's pictures (`KAINE_SCREENSHOTS=docs/screenshots go test
// -run TestDashboardInTheBrowser ./caddymodule/`). CI takes none.
type screenshotter struct {
	t   *testing.T
	dir string
}

func screenshots(t *testing.T) screenshotter {
	dir := os.Getenv("KAINE_SCREENSHOTS")
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // the tests run in caddymodule/
	}
	return screenshotter{t: t, dir: dir}
}

func (s screenshotter) take(tab context.Context, name string) {
	if s.dir == "" {
		return
	}
	png := run(s.t, tab, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}
