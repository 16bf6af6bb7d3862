package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keinetech/kaine/accounts"
)

// ConsoleOptions configure the operator console.
type ConsoleOptions struct {
	// Prefix is where the console is served, with a leading and a
	// trailing slash. Default: "/".
	Prefix string
	// Operator is what the console shows and changes. Required.
	Operator Operator
	// OnError logs an internal error. Required. The operator sees a plain
	// error page; their own mistakes (InputError) are shown on the page.
	OnError func(*http.Request, error)
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// console is the operator's pages. It has no sign-in: the gateway serves
// it on a loopback listener of its own, whose reach is its only
// protection.
type console struct {
	site
	op  Operator
	now func() time.Time
}

// NewConsole checks the options and builds the operator console.
func NewConsole(o ConsoleOptions) (http.Handler, error) {
	if o.Prefix == "" {
		o.Prefix = "/"
	}
	if err := ValidPrefix(o.Prefix); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	switch {
	case o.Operator == nil:
		return nil, errors.New("console: an Operator is required")
	case o.OnError == nil:
		return nil, errors.New("console: an OnError function is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &console{
		site: site{
			name:    "Kaine console",
			prefix:  o.Prefix,
			csrf:    newDoubleSubmit("kaine_console_csrf", o.Prefix, false),
			onError: o.OnError,
		},
		op:  o.Operator,
		now: o.Now,
	}
	return secure(c.routes()), nil
}

func (c *console) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(path string, m methods) { mux.Handle(c.prefix+path, c.byMethod(m)) }
	handle("{$}", methods{http.MethodGet: c.usersPage})
	handle("users", methods{http.MethodPost: c.checked(c.createUser)})
	handle("users/{id}/tier", methods{http.MethodPost: c.checked(c.setTier)})
	handle("users/{id}/link", methods{http.MethodPost: c.checked(c.issueLink)})
	handle("users/{id}/end-sign-ins", methods{http.MethodGet: c.endSignInsPage, http.MethodPost: c.checked(c.endSignIns)})
	handle("providers", methods{http.MethodGet: c.providersPage})
	handle("health", methods{http.MethodGet: c.healthPage})
	handle("static/{file}", methods{http.MethodGet: c.static})
	mux.HandleFunc("/", c.notFound)
	return mux
}

// checked runs h for a POST that carries the console's CSRF token.
func (c *console) checked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.csrf.valid(r) {
			c.forbidden(w, r)
			return
		}
		h(w, r)
	}
}

// page answers with a console page, its forms' token set.
func (c *console) page(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	c.render(w, r, status, name, view{
		Title: title, Data: data, CSRF: c.csrf.token(w, r),
		Nav: nav(r, []navItem{
			{Label: "Users", URL: c.prefix},
			{Label: "Providers", URL: c.prefix + "providers"},
			{Label: "Health", URL: c.prefix + "health"},
		}),
	})
}

type consoleUsersData struct {
	Users []OperatorUser
	Tiers []string
	// The create form, kept as sent when refused.
	Username, Email, Tier string
	// Problem is the operator's mistake the last form made.
	Problem string
}

func (c *console) usersPage(w http.ResponseWriter, r *http.Request) {
	c.showUsers(w, r, http.StatusOK, consoleUsersData{})
}

// showUsers answers with the users page around the create form.
func (c *console) showUsers(w http.ResponseWriter, r *http.Request, status int, form consoleUsersData) {
	users, err := c.op.Users()
	if err != nil {
		c.fail(w, r, fmt.Errorf("listing users: %w", err))
		return
	}
	form.Users, form.Tiers = users, c.op.Tiers()
	c.page(w, r, status, "console_users", "Users", form)
}

// refused answers an operator's form: their mistake shown on the users
// page, anything else logged.
func (c *console) refused(w http.ResponseWriter, r *http.Request, err error, form consoleUsersData) {
	if !operatorMistake(err) {
		c.fail(w, r, err)
		return
	}
	form.Problem = err.Error()
	c.showUsers(w, r, http.StatusBadRequest, form)
}

func (c *console) createUser(w http.ResponseWriter, r *http.Request) {
	form := consoleUsersData{
		Username: strings.TrimSpace(r.PostFormValue("username")),
		Email:    strings.TrimSpace(r.PostFormValue("email")),
		Tier:     r.PostFormValue("tier"),
	}
	if _, err := c.op.CreateUser(form.Username, form.Email, form.Tier); err != nil {
		c.refused(w, r, fmt.Errorf("creating user %q: %w", form.Username, err), form)
		return
	}
	http.Redirect(w, r, c.prefix, http.StatusSeeOther)
}

func (c *console) setTier(w http.ResponseWriter, r *http.Request) {
	u, ok := c.user(w, r)
	if !ok {
		return
	}
	if _, err := c.op.SetTier(u.ID, r.PostFormValue("tier")); err != nil {
		c.refused(w, r, fmt.Errorf("changing the tier of %s: %w", u.Username, err), consoleUsersData{})
		return
	}
	http.Redirect(w, r, c.prefix, http.StatusSeeOther)
}

type consoleLinkData struct {
	User    *accounts.User
	URL     string
	Expires time.Time
	// Minutes is how long the link stays good.
	Minutes int
}

// issueLink makes a sign-in link and shows it, this once: only its hash
// is kept.
func (c *console) issueLink(w http.ResponseWriter, r *http.Request) {
	u, ok := c.user(w, r)
	if !ok {
		return
	}
	link, expires, err := c.op.LoginLink(u.ID)
	if err != nil {
		c.refused(w, r, fmt.Errorf("making a sign-in link for %s: %w", u.Username, err), consoleUsersData{})
		return
	}
	c.page(w, r, http.StatusOK, "console_link", "Sign-in link for "+u.Username, consoleLinkData{
		User: u, URL: link, Expires: expires, Minutes: int(expires.Sub(c.now()).Round(time.Minute) / time.Minute),
	})
}

// endSignInsPage asks before a user's sign-ins end.
func (c *console) endSignInsPage(w http.ResponseWriter, r *http.Request) {
	u, ok := c.user(w, r)
	if !ok {
		return
	}
	c.page(w, r, http.StatusOK, "console_end", "End the sign-ins of "+u.Username, u)
}

func (c *console) endSignIns(w http.ResponseWriter, r *http.Request) {
	u, ok := c.user(w, r)
	if !ok {
		return
	}
	ended, err := c.op.EndSignIns(u.ID)
	if err != nil {
		c.refused(w, r, fmt.Errorf("ending the sign-ins of %s: %w", u.Username, err), consoleUsersData{})
		return
	}
	c.page(w, r, http.StatusOK, "message", "Sign-ins ended", message{
		Text: fmt.Sprintf("%s's dashboard sessions ended (%d), and their unused sign-in links no longer work.", u.Username, ended),
		Back: navItem{Label: "Back to the users", URL: c.prefix},
	})
}

// user finds the user the path names, else answers 404.
func (c *console) user(w http.ResponseWriter, r *http.Request) (*accounts.User, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		c.notFound(w, r)
		return nil, false
	}
	u, err := c.op.User(id)
	switch {
	case errors.Is(err, accounts.ErrUserNotFound):
		c.notFound(w, r)
		return nil, false
	case err != nil:
		c.fail(w, r, fmt.Errorf("reading user %d: %w", id, err))
		return nil, false
	}
	return u, true
}

func (c *console) providersPage(w http.ResponseWriter, r *http.Request) {
	c.page(w, r, http.StatusOK, "providers", "Providers", providersView(c.op.Providers()))
}

func (c *console) healthPage(w http.ResponseWriter, r *http.Request) {
	c.page(w, r, http.StatusOK, "console_health", "Health", c.op.Health())
}
