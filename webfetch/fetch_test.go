package webfetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

const page = `<!doctype html><html><head><title> Acme Plumbing </title><style>p{color:red}</style>
<script>alert("x")</script></head><body><h1>Acme Plumbing</h1><p>Call   us at
+1 555 0100.</p><ul><li>Drains</li><li>Boilers</li></ul><noscript>enable js</noscript></body></html>`

func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, strings.TrimPrefix(srv.URL, "http://")
}

func TestFetchReadsAnAllowedPagesText(t *testing.T) {
	srv, addr := server(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	})
	p, err := New(Options{Allow: []string{addr}}).Fetch(context.Background(), srv.URL+"/about")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Acme Plumbing" || p.Text != "Acme Plumbing\nCall us at +1 555 0100.\nDrains\nBoilers" || p.URL != srv.URL+"/about" || p.Truncated {
		t.Fatalf("page %+v", p)
	}
}

// Only what the operator listed is reached among private addresses:
// another port of the same loopback host, a private network, a name that
// resolves to loopback and a redirect to one are refused before any
// connection.
func TestFetchRefusesWhatIsNotPublicUnlessAllowed(t *testing.T) {
	srv, addr := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:1/secret", http.StatusFound)
	})
	other, _ := server(t, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("secret")) })
	f := New(Options{Allow: []string{addr}, Timeout: 2 * time.Second})
	for _, target := range []string{
		other.URL,                         // loopback, not listed
		"https://10.1.2.3/",               // a private network
		"https://[::1]:443/",              // loopback over IPv6
		"https://169.254.169.254/latest/", // link-local: a cloud's metadata service
		"https://localhost:1/",            // a name that resolves to loopback
		"ftp://example.com/file",          // not https
		"http://example.com/",             // plain http to a host not listed
		srv.URL + "/redirect",             // allowed, but redirected to a port that is not
		"/relative",
	} {
		_, err := f.Fetch(context.Background(), target)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s: %v, want refused", target, err)
		}
	}
}

func TestFetchBoundsSizeAndType(t *testing.T) {
	srv, addr := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(strings.Repeat("a", 5000)))
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG"))
		default:
			http.NotFound(w, r)
		}
	})
	f := New(Options{Allow: []string{addr}, MaxBytes: 1000})
	p, err := f.Fetch(context.Background(), srv.URL+"/big")
	if err != nil || len(p.Text) != 1000 || !p.Truncated {
		t.Fatalf("a long page: %d characters, truncated %v, %v", len(p.Text), p.Truncated, err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/image"); err == nil || !strings.Contains(err.Error(), "not HTML or text") {
		t.Fatalf("an image: %v", err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a missing page: %v", err)
	}
}

func TestFetchGivesUpOnASlowPage(t *testing.T) {
	release := make(chan struct{})
	srv, addr := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	if _, err := New(Options{Allow: []string{addr}, Timeout: 100 * time.Millisecond}).Fetch(context.Background(), srv.URL); err == nil {
		t.Fatal("a page that never answers was fetched")
	}
}

func TestPublicAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:4700::6810:84e5": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.1.1": false, "0.0.0.0": false, "::1": false, "fd00::1": false, "fe80::1": false, "::ffff:10.0.0.1": false,
		"64:ff9b::a00:1": false, "224.0.0.1": false, "0.1.2.3": false, "fec0::1": false, "64:ff9b:1::a00:1": false,
	} {
		if got := public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("public(%s) = %v, want %v", addr, got, want)
		}
	}
}
