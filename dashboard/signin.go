package dashboard

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/signin"
)

// Signing in takes a one-time link, from the operator or by email. Its
// page only shows a button: the link is used by the button's POST, never
// by a GET, since mail scanners fetch the links in a message.

// loginLinkCommand is how the operator makes a sign-in link.
const loginLinkCommand = "kaine users login-link --user USERNAME"

// mailWait bounds the making and sending of one sign-in mail.
const mailWait = time.Minute

// maxMailsUnderWay bounds the sign-in mails being sent at once; past it a
// request's mail is dropped (its answer is the same either way).
const maxMailsUnderWay = 8

// boundedBackground runs each function on a goroutine of its own, at most
// n at once, dropping one that would pass them.
func boundedBackground(n int) func(func()) {
	slots := make(chan struct{}, n)
	return func(f func()) {
		select {
		case slots <- struct{}{}:
			go func() {
				defer func() { <-slots }()
				f()
			}()
		default:
		}
	}
}

type signInData struct {
	Command string
	// Email offers the form that emails a link.
	Email bool
}

// publicPage answers with a page shown before sign-in; its forms are
// checked against the double-submit cookie.
func (d *Dashboard) publicPage(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	d.render(w, r, status, name, view{Title: title, Data: data, CSRF: d.csrf.token(w, r)})
}

func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	d.publicPage(w, r, http.StatusOK, "signin", "Sign in", signInData{Command: loginLinkCommand, Email: d.mailer != nil})
}

// emailLink emails a sign-in link to the accounts with the address
// given. Its answer is the same whether any has it, and comes before the
// mail is sent, so nobody learns from it which addresses have accounts.
func (d *Dashboard) emailLink(w http.ResponseWriter, r *http.Request) {
	if d.mailer == nil {
		d.notFound(w, r)
		return
	}
	if !d.allowSignIn(w, r) {
		return
	}
	if !d.csrf.valid(r) {
		d.forbidden(w, r)
		return
	}
	if email := strings.TrimSpace(r.PostFormValue("email")); email != "" {
		users, err := d.users.Users()
		if err != nil {
			d.fail(w, r, fmt.Errorf("finding the account of an address: %w", err))
			return
		}
		for _, u := range users {
			// One mail a user a minute, whoever asks: an inbox (and the
			// operator's mail quota) cannot be flooded from many addresses.
			if !strings.EqualFold(u.Email, email) {
				continue
			}
			if mail, _ := d.mailsToUser.Allow(u.ID, 1, d.now()); mail.Allowed { // a RateLimiter never fails
				d.background(func() { d.mailLink(r, u) })
			}
		}
	}
	d.publicPage(w, r, http.StatusOK, "message", "Check your email", message{
		Text: "If that address has an account, a sign-in link is on its way. It works once, for 15 minutes.",
		Back: navItem{Label: "Back to sign-in", URL: d.prefix + "signin"},
	})
}

// mailLink makes a sign-in link for a user and mails it. It runs after
// the answer: a failure can only be logged.
func (d *Dashboard) mailLink(r *http.Request, u accounts.User) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), mailWait)
	defer cancel()
	token, expires, err := d.signIn.NewLink(u.ID)
	if err == nil {
		err = d.mailer.SendSignInLink(ctx, u, d.LinkURL(token), expires)
	}
	if err != nil {
		d.onError(r, fmt.Errorf("emailing a sign-in link to user %d: %w", u.ID, err))
	}
}

type linkData struct {
	// Action is the link's own path, which the button posts to.
	Action string
}

// linkPage shows the button that uses a sign-in link. It does not look
// the link up: whether it is good is told once, by the POST.
func (d *Dashboard) linkPage(w http.ResponseWriter, r *http.Request) {
	d.publicPage(w, r, http.StatusOK, "link", "Sign in", linkData{Action: r.URL.EscapedPath()})
}

// redeemLink uses a sign-in link and starts a session.
func (d *Dashboard) redeemLink(w http.ResponseWriter, r *http.Request) {
	if !d.allowSignIn(w, r) {
		return
	}
	if !d.csrf.valid(r) {
		d.forbidden(w, r)
		return
	}
	user, err := d.signIn.Redeem(r.PathValue("token"))
	switch {
	case errors.Is(err, signin.ErrLinkInvalid):
		d.errorPage(w, r, http.StatusBadRequest, "Link used or expired",
			"This link was used or has expired; ask for a new one.")
		return
	case err != nil:
		d.fail(w, r, fmt.Errorf("using a sign-in link: %w", err))
		return
	}
	// A session this browser already held ends: one browser, one session.
	if old, err := r.Cookie(sessionCookie); err == nil {
		if err := d.signIn.End(old.Value); err != nil {
			d.fail(w, r, fmt.Errorf("ending the session a new sign-in replaces: %w", err))
			return
		}
	}
	id, err := d.signIn.Start(user)
	if err != nil {
		d.fail(w, r, fmt.Errorf("signing in user %d: %w", user, err))
		return
	}
	d.setSession(w, r, id)
	http.Redirect(w, r, d.prefix+"keys", http.StatusSeeOther)
}

// allowSignIn counts a sign-in attempt against the client's allowance,
// and answers 429 past it. Every attempt counts, good or bad, so links
// and addresses cannot be tried by the thousand.
func (d *Dashboard) allowSignIn(w http.ResponseWriter, r *http.Request) bool {
	client := fnv.New64a()
	client.Write([]byte(clientBucket(d.clientIP(r))))
	decision, _ := d.limiter.Allow(client.Sum64(), d.signInsPerMinute, d.now()) // a RateLimiter never fails
	if decision.Allowed {
		return true
	}
	seconds := (decision.RetryAfter + time.Second - 1) / time.Second // rounded up
	w.Header().Set("Retry-After", strconv.Itoa(max(int(seconds), 1)))
	d.errorPage(w, r, http.StatusTooManyRequests, "Too many sign-in attempts",
		"Wait a minute, then try again.")
	return false
}

// clientBucket is what the sign-in limit counts a client as: its IPv4
// address, or its IPv6 /64, which one host commonly holds whole.
func clientBucket(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is6() || addr.Is4In6() {
		return ip
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return prefix.String()
}
