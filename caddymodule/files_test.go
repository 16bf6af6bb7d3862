package caddymodule

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Generated pages are served to anyone at /files/, under a policy that
// lets no script run, and nothing but the top of the files directory is
// reachable.
func TestFilesAreServedSafely(t *testing.T) {
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(filepath.Join(files, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		filepath.Join(files, "acme.html"):     "<!doctype html><title>Acme</title>",
		filepath.Join(files, ".hidden"):       "secret",
		filepath.Join(files, "sub", "x.html"): "nested",
		filepath.Join(dir, "outside.html"):    "outside",
	} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g := startGateway(t, "files_dir "+files)

	status, h, data := g.doRaw("GET", "/files/acme.html", "", "")
	if status != 200 || string(data) != "<!doctype html><title>Acme</title>" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("page: %d %v %s", status, h, data)
	}
	if status, _, data := g.doRaw("HEAD", "/files/acme.html", "", ""); status != 200 || len(data) != 0 {
		t.Fatalf("HEAD: %d %q", status, data)
	}
	for _, path := range []string{"/files/", "/files/missing.html", "/files/.hidden", "/files/sub/x.html", "/files/sub", "/files/%2e%2e/outside.html", "/files/..%2foutside.html"} {
		req, _ := http.NewRequest("GET", g.base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	if status, h, _ := g.doRaw("POST", "/files/acme.html", "", "x"); status != 405 || h.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d %v", status, h)
	}
}
