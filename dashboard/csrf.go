package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/keinetech/kaine/signin"
)

// Every POST form carries a hidden csrf field, checked before anything
// is done. A signed-in form's token derives from the session
// (signin.CSRFToken). A form shown before sign-in, or in the console,
// which has no sessions, is checked against a cookie set when the form
// was shown (double submit). Before either, every page refuses a POST a
// browser says came from another origin (crossOrigin), another port of
// the same host included.

// csrfField is the forms' hidden field.
const csrfField = "csrf"

// sessionCSRF is the token of a signed-in visitor's forms.
func sessionCSRF(sessionID string) string { return signin.CSRFToken(sessionID) }

// validSessionCSRF reports whether a signed-in POST carries its
// session's token.
func validSessionCSRF(r *http.Request, sessionID string) bool {
	return signin.ValidCSRF(sessionID, r.PostFormValue(csrfField))
}

// doubleSubmit is the cookie a form shown without a session is checked
// against. The field is not the cookie's value but its HMAC under a key
// of this process: a page on another port of the same host can set a
// cookie here (cookies know no ports), but cannot compute its field.
type doubleSubmit struct {
	cookie string
	path   string
	key    []byte
	// secure marks the cookie Secure even without TLS on the connection:
	// the site is HTTPS behind a proxy that ends TLS.
	secure bool
}

func newDoubleSubmit(cookie, path string, secure bool) doubleSubmit {
	return doubleSubmit{cookie: cookie, path: path, key: []byte(rand.Text()), secure: secure}
}

// tokenLen is the length of rand.Text's 128 random bits.
const tokenLen = 26

// token returns the token for the page's forms, from the visitor's cookie
// when they have one, so two open tabs both work, else from a new one.
func (c doubleSubmit) token(w http.ResponseWriter, r *http.Request) string {
	if old, err := r.Cookie(c.cookie); err == nil && len(old.Value) == tokenLen {
		return c.sign(old.Value)
	}
	nonce := rand.Text()
	http.SetCookie(w, c.cookieOf(r, c.cookie, nonce))
	return c.sign(nonce)
}

// cookieOf is the one shape of a cookie of the site c guards (its session's
// too): sent only under its path, never to scripts or from another site,
// and over TLS only when the site is reached by TLS or its public URL is
// HTTPS (TLS ended by a proxy in front).
func (c doubleSubmit) cookieOf(r *http.Request, name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: c.path,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure || r.TLS != nil}
}

func (c doubleSubmit) sign(nonce string) string {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte(nonce))
	return hex.EncodeToString(mac.Sum(nil))
}

// valid reports whether a POST's field is its cookie's, in constant time.
func (c doubleSubmit) valid(r *http.Request) bool {
	cookie, err := r.Cookie(c.cookie)
	if err != nil || len(cookie.Value) != tokenLen {
		return false
	}
	return hmac.Equal([]byte(c.sign(cookie.Value)), []byte(r.PostFormValue(csrfField)))
}
