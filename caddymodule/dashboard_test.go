package caddymodule

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	mailpkg "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/outbox/fakesmtp"
)

// With dashboard off there is nothing to sign in to: the path goes on to
// the next handler and no link is made.
func TestDashboardOff(t *testing.T) {
	g := startGateway(t, "dashboard off")
	k := g.userWithKey("angel", "read")
	if status, _, body := g.do("GET", g.base+"/dashboard/", "", nil); status != 200 || string(body) != "next handler" {
		t.Fatalf("/dashboard/ with the dashboard off: %d %s", status, body)
	}
	var answer map[string]any
	g.adminJSON("POST", fmt.Sprintf("/kaine/users/%d/login-link", k.UserID), nil, 409, &answer)
	if !strings.Contains(fmt.Sprint(answer["error"]), "dashboard is off") {
		t.Fatalf("login-link with the dashboard off: %v", answer)
	}
}

// The console answers only requests that name its own address, so a page
// elsewhere cannot reach it by DNS rebinding.
func TestConsoleAnswersOnlyItsOwnHost(t *testing.T) {
	addr := fmt.Sprintf("localhost:%d", freePort(t))
	g := startGateway(t, "console "+addr)
	_, port, _ := strings.Cut(addr, ":")
	for host, want := range map[string]int{addr: 200, "127.0.0.1:" + port: 200, "evil.example:" + port: 403} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Host = host
		resp, err := g.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// With an SMTP connector, a user can ask for a sign-in link by email: it
// arrives, signs in once, and the outbox records it without the link.
func TestSignInLinkByEmail(t *testing.T) {
	mail, err := fakesmtp.Start(fakesmtp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	g := startGateway(t, fmt.Sprintf(`public_url http://example.test
		agents {
			accounts angel
			smtp {
				addr %s
				from "Kaine <kaine@example.test>"
			}
		}`, mail.Addr()))
	k := g.userWithKey("angel", "read")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := browse(t, browser, "GET", g.base+"/dashboard/signin", nil)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil || !strings.Contains(page, `name="email"`) {
		t.Fatalf("the sign-in page offers no email form:\n%s", page)
	}
	answer := browse(t, browser, "POST", g.base+"/dashboard/signin/email", url.Values{"csrf": {csrf[1]}, "email": {"ANGEL@example.com"}})
	if !strings.Contains(answer, "15 minutes") {
		t.Fatalf("the email form answered:\n%s", answer)
	}
	var msgs []fakesmtp.Message
	for deadline := time.Now().Add(5 * time.Second); len(msgs) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		msgs = mail.Messages()
	}
	if len(msgs) != 1 || msgs[0].To[0] != "angel@example.com" {
		t.Fatalf("the mail server got %+v", msgs)
	}
	msg, err := mailpkg.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(quotedprintable.NewReader(msg.Body)) // as a mail client reads it
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://example\.test(/dashboard/signin/[A-Za-z0-9_-]+)`).FindStringSubmatch(string(text))
	if link == nil {
		t.Fatalf("no link in the email:\n%s", text)
	}
	page = browse(t, browser, "GET", g.base+link[1], nil)
	csrf = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if keys := browse(t, browser, "POST", g.base+link[1], url.Values{"csrf": {csrf[1]}}); !strings.Contains(keys, "Developer settings") {
		t.Fatalf("the emailed link did not sign in:\n%s", keys)
	}
	_, _, data := g.doRaw("GET", "/v1/outbox", k.Key, "")
	out := gjson.ParseBytes(data)
	if out.Get("count").Int() != 1 || out.Get("messages.0.status").Str != "sent" || strings.Contains(string(data), link[1]) {
		t.Fatalf("outbox %s", data)
	}
}

// browse sends a request as a browser would and returns the page it ends on.
func browse(t *testing.T, c *http.Client, method, target string, form url.Values) string {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

// A reload hands the console's listener to the new config; a new address
// frees the old one; a port another server holds is never shared: the
// gateway serves on without a console.
func TestConsoleAcrossReloads(t *testing.T) {
	first := fmt.Sprintf("localhost:%d", freePort(t))
	g := startGateway(t, "console "+first)
	g.userWithKey("angel", "read")
	get := func(addr string) (int, string) {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get(first); status != 200 || !strings.Contains(body, "angel") {
		t.Fatalf("console: %d %s", status, body)
	}
	g.load(g.config + "\n")
	g.userWithKey("bruno", "read")
	if status, body := get(first); status != 200 || !strings.Contains(body, "bruno") {
		t.Fatalf("console after a reload: %d %s", status, body)
	}

	second := fmt.Sprintf("localhost:%d", freePort(t))
	g.load(strings.Replace(g.config, "console "+first, "console "+second, 1))
	if status, body := get(second); status != 200 || !strings.Contains(body, "bruno") {
		t.Fatalf("console on its new address: %d %s", status, body)
	}
	if status, _ := get(first); status != 0 {
		t.Fatalf("the old address still answers %d", status)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	g.load(strings.Replace(g.config, "console "+second, "console "+taken.Addr().String(), 1))
	if status, _, body := g.do("GET", g.base+"/v1/ping", "", nil); status != 200 {
		t.Fatalf("the gateway with its console's port taken: %d %s", status, body)
	}
	go http.Serve(taken, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { // the port's owner
		w.WriteHeader(http.StatusTeapot)
	}))
	if status, _ := get(taken.Addr().String()); status != 418 {
		t.Fatalf("the console took a port another server holds: %d", status)
	}
}
