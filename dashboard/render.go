package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed templates
var templateFiles embed.FS

// pages are the page templates by name, each parsed over its own copy of
// the layout. They are parsed once; a broken template is a programming
// error the tests catch, so Must is right.
var pages = parsePages()

func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(formatting).ParseFS(templateFiles, "templates/layout.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, name := range names {
		if name == "templates/layout.html" {
			continue
		}
		page := template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, name))
		out[strings.TrimSuffix(path.Base(name), ".html")] = page
	}
	return out
}

// view is what the layout sees; Data is the page's own.
type view struct {
	Title string
	Data  any
	// Nav is the site's navigation; empty before sign-in.
	Nav []navItem
	// User is the signed-in username; empty before sign-in and in the
	// console, which has no sign-in.
	User string
	// CSRF is the token the page's POST forms carry.
	CSRF string

	// Set by render.
	Site, Prefix string
	CSS, JS      string
}

// render answers with a page. It renders into a buffer first, so a
// template that fails sends a plain error, not half a page.
func (s *site) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Site, v.Prefix = s.name, s.prefix
	v.CSS, v.JS = s.assetURL("dashboard.css"), s.assetURL("dashboard.js")
	body, err := execute(name, v)
	if err != nil {
		s.onError(r, err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

func execute(name string, v view) ([]byte, error) {
	page, ok := pages[name]
	if !ok {
		return nil, fmt.Errorf("rendering page %q: no such template", name)
	}
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return nil, fmt.Errorf("rendering page %q: %w", name, err)
	}
	return buf.Bytes(), nil
}
