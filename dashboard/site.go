package dashboard

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// site is what the dashboard and the console share: where they live,
// how they answer by method, and their error pages.
type site struct {
	name    string // shown in every page's title and header
	prefix  string
	csrf    doubleSubmit
	onError func(*http.Request, error)
}

// maxFormBytes bounds a POST's body: the largest form is a few fields.
const maxFormBytes = 64 << 10

// methods are a path's handlers by request method.
type methods map[string]http.HandlerFunc

// byMethod answers with the handler for the request's method (HEAD is
// answered as GET), and any other method with a 405 page.
func (s *site) byMethod(m methods) http.Handler {
	allowed := slices.Sorted(maps.Keys(m))
	if m[http.MethodGet] != nil {
		allowed = append(allowed, http.MethodHead)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		h := m[method]
		if h == nil {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			s.errorPage(w, r, http.StatusMethodNotAllowed, "Method not allowed",
				"This address does not answer "+r.Method+" requests.")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		h(w, r)
	})
}

// navItem is a link of a site's navigation.
type navItem struct {
	Label, URL string
	Current    bool
}

// nav marks the item whose page, or a page under it, is being shown.
func nav(r *http.Request, items []navItem) []navItem {
	out := slices.Clone(items)
	for i := range out {
		out[i].Current = r.URL.Path == out[i].URL || strings.HasPrefix(r.URL.Path, out[i].URL+"/")
	}
	return out
}

// message is the data of a page that only says something: errors and
// notices.
type message struct {
	Text string
	// Back is where to go next.
	Back navItem
}

// errorPage answers with a page saying what went wrong, without the
// navigation: it may be shown before sign-in.
func (s *site) errorPage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	s.render(w, r, status, "message", view{Title: title, Data: message{
		Text: text, Back: navItem{Label: "Back to " + s.name, URL: s.prefix},
	}})
}

// fail logs an internal error and answers with a page that does not
// tell its details.
func (s *site) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.onError(r, err)
	s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"The page could not be shown. Try again; if it keeps failing, tell the operator.")
}

func (s *site) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Not found", "There is nothing at this address.")
}

// forbidden answers a POST whose CSRF token is missing or wrong.
func (s *site) forbidden(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "Form expired",
		"This form could not be checked, so nothing was done. Go back, reload the page and try again.")
}
