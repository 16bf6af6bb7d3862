package handlers

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// unreachable is a fleet store that cannot be reached: the test is about
// what the pipeline does then, not about Redis (the fleet package's tests
// stop a real one).
type unreachable struct{}

func (unreachable) Allow(uint64, int, time.Time) (metering.RateDecision, error) {
	return metering.RateDecision{}, metering.ErrStoreUnavailable
}
func (unreachable) Reserve(uint64, money.MicroUSD, money.MicroUSD) (metering.Reservation, error) {
	return metering.Reservation{}, metering.ErrStoreUnavailable
}
func (unreachable) Settle(metering.Reservation, money.MicroUSD) {}
func (unreachable) Release(metering.Reservation)                {}
func (unreachable) Used(uint64) (money.MicroUSD, error)         { return 0, metering.ErrStoreUnavailable }
func (unreachable) Reserved(uint64) (money.MicroUSD, error)     { return 0, metering.ErrStoreUnavailable }

func TestWithoutTheFleetStoreSpendingIsRefusedAndReadingLimitedLocally(t *testing.T) {
	api := &API{
		Errors:  Errors{DocsURL: "https://docs.test"},
		Users:   oneUser{accounts.User{ID: 7, Tier: "starter"}},
		Limiter: unreachable{}, Ledger: unreachable{},
		Tiers: map[string]metering.Tier{"starter": {Cap: 1_000_000, RPM: 2}},
	}
	id := &accounts.Identity{UserID: 7}
	refused := func(w *httptest.ResponseRecorder) {
		t.Helper()
		var body struct {
			Detail struct{ Error string } `json:"detail"`
		}
		if w.Code != 503 || w.Header().Get("Retry-After") != storeRetryAfter ||
			json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Detail.Error != CodeStoreUnavailable {
			t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
		}
	}

	w := httptest.NewRecorder()
	if api.Limit(w, &Call{Identity: id}, &Route{Scope: accounts.ScopeWrite}) {
		t.Fatal("a call that spends passed the rate limit with no store")
	}
	refused(w)

	w = httptest.NewRecorder()
	if api.Reserve(w, &Call{Identity: id}, 1000) {
		t.Fatal("a reservation passed with no store")
	}
	refused(w)

	read := &Route{Scope: accounts.ScopeRead}
	for i := range 2 {
		w = httptest.NewRecorder()
		if !api.Limit(w, &Call{Identity: id}, read) || w.Header().Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("read %d within this instance's own count: %d %v", i+1, w.Code, w.Header())
		}
	}
	w = httptest.NewRecorder()
	if api.Limit(w, &Call{Identity: id}, read) || w.Code != 429 {
		t.Fatalf("a third read at 2 rpm: %d", w.Code)
	}
}
