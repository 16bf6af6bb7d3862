package agenttools

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/webfetch"
)

func TestFetchPageReadsWhatTheOperatorAllowsOnly(t *testing.T) {
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<title>Acme</title><p>Plumbers in Lisbon. ` + strings.Repeat("Pipes. ", 3000) + `</p>`))
	}))
	defer allowed.Close()
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	d := Deps{Fetcher: webfetch.New(webfetch.Options{Allow: []string{strings.TrimPrefix(allowed.URL, "http://")}})}
	out := mustRun(t, d, "fetch_page", agents.Env{Account: 1}, `{"url":"`+allowed.URL+`"}`)
	if !strings.Contains(out, `"title":"Acme"`) || !strings.Contains(out, "Plumbers in Lisbon.") || !strings.HasSuffix(out, `"truncated":true}`) || len(out) > maxPageText+200 {
		t.Fatalf("fetch_page: %.300s… (%d bytes)", out, len(out))
	}
	wantError(t, d, "fetch_page", agents.Env{Account: 1}, `{"url":"`+other.URL+`"}`, "refused")
	wantError(t, d, "fetch_page", agents.Env{Account: 1}, `{"url":"https://10.0.0.8/"}`, "not a public address")
	wantError(t, d, "fetch_page", agents.Env{Account: 1}, `{}`, "url")
}
