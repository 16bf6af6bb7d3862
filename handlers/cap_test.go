package handlers

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

type oneUser struct{ u accounts.User }

func (o oneUser) User(uint64) (*accounts.User, error) { return &o.u, nil }

func TestReserveSettleAndCapRefusal(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ledger, err := metering.OpenLedger(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := &API{
		Errors: Errors{DocsURL: "https://docs.test"},
		Users:  oneUser{accounts.User{ID: 7, Tier: "starter"}},
		Ledger: ledger,
		Tiers:  map[string]metering.Tier{"starter": {Cap: 1_000_000, RPM: 30}},
	}
	call := &Call{Identity: &accounts.Identity{UserID: 7}}
	if !api.Reserve(httptest.NewRecorder(), call, 600_000) {
		t.Fatal("a $0.60 reservation under a $1 cap was refused")
	}
	second := &Call{Identity: call.Identity}
	w := httptest.NewRecorder()
	if api.Reserve(w, second, 600_000) {
		t.Fatal("two open $0.60 reservations admitted under a $1 cap")
	}
	var body struct {
		Detail struct{ Error string } `json:"detail"`
	}
	if w.Code != 429 || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Detail.Error != CodeUsageCapReached {
		t.Fatalf("refusal: %d %s", w.Code, w.Body)
	}
	call.Settle(250_000)
	call.Settle(999_999) // a second settle changes nothing
	call.Release()
	if used, _ := ledger.Used(7); used != 250_000 || call.Audit.Cost != 250_000 {
		t.Fatalf("used %v, audit cost %v; want 0.25 both", used, call.Audit.Cost)
	}
	third := &Call{Identity: call.Identity}
	if !api.Reserve(httptest.NewRecorder(), third, 600_000) {
		t.Fatal("after settling, $0.75 is left but $0.60 was refused")
	}
	third.Release()
	if used, _ := ledger.Used(7); used != 250_000 {
		t.Fatalf("a release changed usage to %v", used)
	}
}
