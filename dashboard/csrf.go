package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"

	"github.com/keinetech/kaine/signin"
)

// Every POST form carries a hidden csrf field, checked before anything
// is done. A signed-in form's token derives from the session
// (signin.CSRFToken). A form shown before sign-in, or in the console,
// which has no sessions, is checked against a cookie set when the form
// was shown (double submit): another site can make a browser post here,
// but can neither read that cookie nor set it.

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
// against.
type doubleSubmit struct {
	cookie string
	path   string
}

// tokenLen is the length of rand.Text's 128 random bits.
const tokenLen = 26

// token returns the token for the page's forms: the visitor's cookie's
// when they have one, so two open tabs both work, else a new one, set.
func (c doubleSubmit) token(w http.ResponseWriter, r *http.Request) string {
	if old, err := r.Cookie(c.cookie); err == nil && len(old.Value) == tokenLen {
		return old.Value
	}
	token := rand.Text()
	http.SetCookie(w, &http.Cookie{
		Name: c.cookie, Value: token, Path: c.path,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	return token
}

// valid reports whether a POST's field matches its cookie, in constant
// time.
func (c doubleSubmit) valid(r *http.Request) bool {
	cookie, err := r.Cookie(c.cookie)
	if err != nil || len(cookie.Value) != tokenLen {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(r.PostFormValue(csrfField))) == 1
}
