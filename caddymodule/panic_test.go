package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/money"
)

// An endpoint that panics after reserving must still answer 500, release
// its reservation and leave an audit record.
func TestPanickingEndpointIsAnsweredReleasedAndAudited(t *testing.T) {
	g := startGateway(t, `tier developer {
			cap_usd 1
			rpm 1000
		}`)
	k := g.userWithKey("panicky", "write")
	app := activeApp(t)
	patched := *app
	patched.router = handlers.NewRouter([]handlers.Route{{
		Method: "POST", Path: "/v1/boom", Scope: accounts.ScopeWrite,
		Handle: func(w http.ResponseWriter, r *http.Request, call *handlers.Call) {
			if !app.api.Reserve(w, call, money.FromUSD(1)) {
				t.Error("reserving the whole cap failed")
				return
			}
			panic("boom")
		},
	}})
	h := &Handler{app: &patched}
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })

	for i := 0; i < 2; i++ { // the second call fits only if the first released its hold
		r := httptest.NewRequest("POST", "/v1/boom", nil)
		r.Header.Set("Authorization", "Bearer "+k.Key)
		w := httptest.NewRecorder()
		r = caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, nil)
		if err := h.ServeHTTP(w, r, next); err != nil {
			t.Fatal(err)
		}
		wantError(t, w.Code, w.Header(), w.Body.Bytes(), 500, "internal_error")
	}
	g.waitForRecords(k.UserID, 2)
	recs, err := app.runtime.audit.Query(k.UserID, "/v1/boom", 10)
	if err != nil || len(recs) != 2 || recs[0].Status != 500 || recs[0].Error != "internal_error" {
		t.Fatalf("audit records: %+v, %v", recs, err)
	}
}
