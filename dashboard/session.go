package dashboard

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/signin"
)

// sessionCookie holds the session id signin.Store gave at sign-in. It
// lasts as long as the browser does; the store ends the session sooner
// when idle or old.
const sessionCookie = "kaine_session"

// visit is a signed-in request.
type visit struct {
	sessionID string
	user      *accounts.User
}

// signedInHandler answers a signed-in request.
type signedInHandler func(http.ResponseWriter, *http.Request, *visit)

// signedIn runs h for a visitor with a live session, after checking a
// POST's CSRF token; anyone else is sent to the sign-in page.
func (d *Dashboard) signedIn(h signedInHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := d.visitor(r)
		switch {
		case errors.Is(err, errSignedOut):
			if _, err := r.Cookie(sessionCookie); err == nil {
				d.clearSession(w, r)
			}
			http.Redirect(w, r, d.prefix+"signin", http.StatusSeeOther)
		case err != nil:
			d.fail(w, r, err)
		case r.Method == http.MethodPost && !validSessionCSRF(r, v.sessionID):
			d.forbidden(w, r)
		default:
			h(w, r, v)
		}
	}
}

// errSignedOut: the request has no live session.
var errSignedOut = errors.New("not signed in")

// visitor reads the request's session; signin.Store ends one idle or old
// on the way.
func (d *Dashboard) visitor(r *http.Request) (*visit, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errSignedOut
	}
	s, err := d.signIn.Session(c.Value)
	switch {
	case errors.Is(err, signin.ErrNoSession):
		return nil, errSignedOut
	case err != nil:
		return nil, fmt.Errorf("reading a session: %w", err)
	}
	u, err := d.keys.User(s.User)
	if err != nil {
		return nil, fmt.Errorf("reading the account of a session: %w", err)
	}
	return &visit{sessionID: c.Value, user: u}, nil
}

// page answers with a signed-in page: the navigation, the username and
// the session's CSRF token around the page's data.
func (d *Dashboard) page(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) {
	d.render(w, r, status, name, view{
		Title: title, Data: data, User: v.user.Username, CSRF: sessionCSRF(v.sessionID),
		Nav: nav(r, []navItem{
			{Label: "Developer settings", URL: d.prefix + "keys"},
			{Label: "Usage", URL: d.prefix + "usage"},
			{Label: "Audit log", URL: d.prefix + "audit"},
			{Label: "Runs", URL: d.prefix + "runs"},
			{Label: "Providers", URL: d.prefix + "providers"},
			{Label: "API", URL: d.prefix + "api"},
		}),
	})
}

func (d *Dashboard) setSession(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, d.newSessionCookie(r, id))
}

func (d *Dashboard) clearSession(w http.ResponseWriter, r *http.Request) {
	c := d.newSessionCookie(r, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// newSessionCookie is the cookie's one shape: sent only to the dashboard,
// never to scripts or from another site, and over TLS only when the
// dashboard is reached by TLS, or its public URL is HTTPS (TLS ended by a
// proxy in front).
func (d *Dashboard) newSessionCookie(r *http.Request, value string) *http.Cookie {
	return d.csrf.cookieOf(r, sessionCookie, value)
}

// signOut ends the session and its cookie.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := d.signIn.End(v.sessionID); err != nil {
		d.fail(w, r, fmt.Errorf("signing out: %w", err))
		return
	}
	d.clearSession(w, r)
	http.Redirect(w, r, d.prefix+"signin", http.StatusSeeOther)
}
