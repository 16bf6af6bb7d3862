package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// An operator signs a user in from the command line: the link it prints
// opens a dashboard session in a browser (here a cookie-keeping client),
// and signout ends it.
func TestCLILoginLinkAndSignout(t *testing.T) {
	in := newInstance(t)
	in.start()
	in.newKey("angel", "read")
	var link struct {
		URL       string `json:"url"`
		ExpiresAt string `json:"expires_at"`
	}
	in.admin(&link, "users", "login-link", "--user", "angel")
	if !strings.HasPrefix(link.URL, in.base+"/dashboard/signin/") || link.ExpiresAt == "" {
		t.Fatalf("login-link printed %+v", link)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := fetch(t, browser, "GET", link.URL, nil)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("the link's page has no form:\n%s", page)
	}
	keys := fetch(t, browser, "POST", link.URL, url.Values{"csrf": {csrf[1]}})
	if !strings.Contains(keys, "Developer settings") || !strings.Contains(keys, "angel") {
		t.Fatalf("after signing in:\n%s", keys)
	}

	var ended struct {
		Ended int `json:"ended"`
	}
	in.admin(&ended, "users", "signout", "--user", "angel")
	if ended.Ended != 1 {
		t.Fatalf("signout ended %d sessions", ended.Ended)
	}
	if after := fetch(t, browser, "GET", in.base+"/dashboard/keys", nil); !strings.Contains(after, "Sign in") || strings.Contains(after, "Developer settings") {
		t.Fatalf("the session outlived signout:\n%s", after)
	}
}

// fetch sends a request as a browser would and returns the page it ends on.
func fetch(t *testing.T, c *http.Client, method, target string, form url.Values) string {
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
