package handlers

import (
	"io"
	"io/fs"
	"net/http"
	"strings"
)

// filesPrefix is where generated files (landing pages) are served, to
// anyone: they are the pages an account publishes.
const filesPrefix = "/files/"

// filesPolicy lets a generated page show its own inline styles and remote
// images, and nothing else: no script runs even if one got into a page.
const filesPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// filesRoute serves the files directory; nil Files serves nothing.
func (a *API) filesRoute() []Route {
	if a.Files == nil {
		return nil
	}
	return []Route{{Path: filesPrefix, Prefix: true, Handle: a.serveFile, Home: true}}
}

// serveFile answers GET and HEAD /files/{name}: one file at the top of the
// files directory, never a listing or anything outside it.
func (a *API) serveFile(w http.ResponseWriter, r *http.Request, _ *Call) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.MethodNotAllowed(w, r, []string{http.MethodGet, http.MethodHead})
		return
	}
	name := strings.TrimPrefix(r.URL.Path, filesPrefix)
	if name == "" || strings.Contains(name, "/") || !fs.ValidPath(name) || strings.HasPrefix(name, ".") {
		a.NotFound(w, r)
		return
	}
	f, err := a.Files.Open(name)
	if err != nil {
		a.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	content, seekable := f.(io.ReadSeeker)
	if err != nil || !info.Mode().IsRegular() || !seekable {
		a.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", filesPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, name, info.ModTime(), content)
}
