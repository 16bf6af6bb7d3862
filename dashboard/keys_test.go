package dashboard

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var shownSecret = regexp.MustCompile(`id="secret" class="secret" value="([^"]+)"`)

func TestACreatedKeyIsShownOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.signedIn(h.alice)
	keys := b.get("keys")
	keys.want(http.StatusOK, "You have no keys yet.", `name="scope" value="read" checked`)

	created := b.post("keys", keys.form("name", "ci", "scope", "read"))
	created.want(http.StatusOK,
		"We never show a key twice — copy and save it on creation.",
		"Never commit keys to git. Never expose them in client-side JavaScript. If a key leaks, revoke it immediately and rotate.",
		`data-copy="secret"`)
	if cc := created.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	m := shownSecret.FindStringSubmatch(created.body)
	if m == nil {
		t.Fatalf("no secret shown:\n%s", created.body)
	}
	secret := m[1]
	if _, err := h.accounts.Authenticate(secret); err != nil {
		t.Fatalf("the shown secret does not authenticate: %v", err)
	}
	b.post("keys", keys.form("name", "deploy", "scope", "read", "scope", "write")).want(http.StatusOK)

	list := b.get("keys")
	ci, deploy := h.keyOf(h.alice, "ci"), h.keyOf(h.alice, "deploy")
	list.want(http.StatusOK, "<code>"+ci.Prefix+"…</code>", "<td>read, write</td>")
	if strings.Contains(list.body, secret) {
		t.Fatal("the list shows a secret")
	}
	if strings.Index(list.body, deploy.Prefix) > strings.Index(list.body, ci.Prefix) {
		t.Fatal("the list is not newest first")
	}
}

func TestCreatingAKeyShowsWhatTheStoreRefuses(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	b := h.signedIn(h.alice)
	form := b.get("keys").form("name", "no scopes")
	p := b.post("keys", form)
	p.want(http.StatusBadRequest, `class="problem"`, "give at least one of read, write", `value="no scopes"`)
	if strings.Contains(p.body, `value="read" checked`) {
		t.Fatal("the refused form's choices were not kept")
	}
	long := b.post("keys", b.get("keys").form("name", strings.Repeat("k", 101), "scope", "write"))
	long.want(http.StatusBadRequest, "key name is longer than 100 characters", `value="write" checked`)
	if keys, _ := h.accounts.Keys(h.alice.ID); len(keys) != 0 {
		t.Fatalf("refused forms made keys: %+v", keys)
	}
}

func TestRevokingAKey(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if _, _, err := h.accounts.CreateKey(h.alice.ID, "mine", 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.accounts.CreateKey(h.bob.ID, "bobs", 1); err != nil {
		t.Fatal(err)
	}
	mine, bobs := h.keyOf(h.alice, "mine"), h.keyOf(h.bob, "bobs")
	b := h.signedIn(h.alice)
	path := "keys/" + strconv.FormatUint(mine.ID, 10) + "/revoke"
	b.get("keys").want(http.StatusOK, `href="/dashboard/`+path+`"`)

	// Another account's key is not there, to see or to revoke.
	other := "keys/" + strconv.FormatUint(bobs.ID, 10) + "/revoke"
	b.get(other).want(http.StatusNotFound)
	b.post(other, b.get("keys").form()).want(http.StatusNotFound)
	b.get("keys/x/revoke").want(http.StatusNotFound)
	if h.keyOf(h.bob, "bobs").RevokedAt != nil {
		t.Fatal("alice revoked bob's key")
	}

	confirm := b.get(path)
	confirm.want(http.StatusOK, "Revoke the key mine", `<form method="post" action="/dashboard/`+path+`">`)
	b.post(path, confirm.form()).redirects("/dashboard/keys")
	if h.keyOf(h.alice, "mine").RevokedAt == nil {
		t.Fatal("the key is live")
	}
	b.get("keys").want(http.StatusOK, "revoked 2026-12-06 12:00:00 UTC")
	b.get(path).want(http.StatusOK, "was revoked")
}
