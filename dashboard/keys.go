package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/keinetech/kaine/accounts"
)

// Developer settings: the account's API keys. The store owns the rules
// (scopes, name length); the pages show what it refuses.

type keysData struct {
	// Keys are newest first.
	Keys []accounts.Key
	// The create form, kept as sent when the store refused it.
	Name        string
	Read, Write bool
	Problem     string
}

type createdKeyData struct {
	Secret string
	Key    accounts.Key
}

func (d *Dashboard) keysPage(w http.ResponseWriter, r *http.Request, v *visit) {
	d.showKeys(w, r, v, http.StatusOK, keysData{Read: true})
}

// showKeys answers with the keys page around a create form.
func (d *Dashboard) showKeys(w http.ResponseWriter, r *http.Request, v *visit, status int, form keysData) {
	keys, err := d.keys.Keys(v.user.ID)
	if err != nil {
		d.fail(w, r, fmt.Errorf("listing the keys of user %d: %w", v.user.ID, err))
		return
	}
	slices.Reverse(keys) // ids count up as keys are made
	form.Keys = keys
	d.page(w, r, v, status, "keys", "Developer settings", form)
}

// createKey makes a key and shows its secret, this once: the answer is
// the page itself, never a redirect to one that could show it again.
func (d *Dashboard) createKey(w http.ResponseWriter, r *http.Request, v *visit) {
	names := r.PostForm["scope"] // parsed for the CSRF check
	name := strings.TrimSpace(r.PostFormValue("name"))
	scopes, err := accounts.ParseScopes(names)
	var secret string
	var key accounts.Key
	if err == nil {
		secret, key, err = d.keys.CreateKey(v.user.ID, name, scopes)
	}
	switch {
	case errors.Is(err, accounts.ErrInvalidInput):
		d.showKeys(w, r, v, http.StatusBadRequest, keysData{
			Name: name, Read: slices.Contains(names, "read"), Write: slices.Contains(names, "write"), Problem: err.Error(),
		})
		return
	case err != nil:
		d.fail(w, r, fmt.Errorf("creating a key for user %d: %w", v.user.ID, err))
		return
	}
	d.page(w, r, v, http.StatusOK, "key_created", "Your new key", createdKeyData{Secret: secret, Key: key})
}

// revokePage asks before a key is revoked.
func (d *Dashboard) revokePage(w http.ResponseWriter, r *http.Request, v *visit) {
	key, ok := d.ownKey(w, r, v)
	if !ok {
		return
	}
	d.page(w, r, v, http.StatusOK, "revoke", "Revoke a key", key)
}

// revokeKey revokes one of the account's keys.
func (d *Dashboard) revokeKey(w http.ResponseWriter, r *http.Request, v *visit) {
	key, ok := d.ownKey(w, r, v)
	if !ok {
		return
	}
	if _, err := d.keys.RevokeKey(key.ID); err != nil {
		d.fail(w, r, fmt.Errorf("revoking key %d of user %d: %w", key.ID, v.user.ID, err))
		return
	}
	http.Redirect(w, r, d.prefix+"keys", http.StatusSeeOther)
}

// ownKey finds the key the path names among the account's, else answers
// 404: another account's key is not there to be seen.
func (d *Dashboard) ownKey(w http.ResponseWriter, r *http.Request, v *visit) (accounts.Key, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		d.notFound(w, r)
		return accounts.Key{}, false
	}
	keys, err := d.keys.Keys(v.user.ID)
	if err != nil {
		d.fail(w, r, fmt.Errorf("listing the keys of user %d: %w", v.user.ID, err))
		return accounts.Key{}, false
	}
	i := slices.IndexFunc(keys, func(k accounts.Key) bool { return k.ID == id })
	if i < 0 {
		d.notFound(w, r)
		return accounts.Key{}, false
	}
	return keys[i], true
}
