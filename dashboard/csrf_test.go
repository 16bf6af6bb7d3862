package dashboard

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

func TestEveryPostWithoutItsCSRFTokenIsRefusedAndDoesNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if _, _, err := h.accounts.CreateKey(h.alice.ID, "live", 1); err != nil {
		t.Fatal(err)
	}
	live := h.keyOf(h.alice, "live")
	token, _, err := h.signIn.NewLink(h.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	alice := h.signedIn(h.alice)
	stranger := h.browser()
	stranger.get("signin") // holds a double-submit cookie of its own

	posts := []struct {
		b    *browser
		path string
		form url.Values
	}{
		{alice, "signout", url.Values{}},
		{alice, "keys", url.Values{"name": {"forged"}, "scope": {"read", "write"}}},
		{alice, "keys/" + strconv.FormatUint(live.ID, 10) + "/revoke", url.Values{}},
		{stranger, "signin/email", url.Values{"email": {"alice@example.com"}}},
		{stranger, "signin/" + token, url.Values{}},
	}
	for _, p := range posts {
		p.b.post(p.path, p.form).want(http.StatusForbidden)
		// A token from another session or cookie is as good as none.
		p.form.Set(csrfField, sessionCSRF("someone else's session"))
		p.b.post(p.path, p.form).want(http.StatusForbidden)
	}

	alice.get("keys").want(http.StatusOK, "Signed in as") // still signed in
	if keys, _ := h.accounts.Keys(h.alice.ID); len(keys) != 1 || keys[0].RevokedAt != nil {
		t.Fatalf("keys after forged posts: %+v", keys)
	}
	if sent := h.mailer.links(); len(sent) != 0 {
		t.Fatalf("a forged post sent mail: %+v", sent)
	}
	if user, err := h.signIn.Redeem(token); err != nil || user != h.alice.ID {
		t.Fatalf("a forged post used the link: %d %v", user, err)
	}
}
