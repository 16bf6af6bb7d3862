package caddymodule

import (
	"encoding/json"
	"testing"

	"github.com/keinetech/kaine/money"
)

func TestUsageMatchesTheLedger(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("angel", "read") // developer: $500 cap
	status, _, body := g.do("GET", g.base+"/v1/usage", k.Key, nil)
	want := `{"status":{"tier":"developer","cap_usd":500,"used_usd":0,"remaining_usd":500,"percent":0,"blocked":false,"reserved_usd":0}}`
	if status != 200 || string(body) != want {
		t.Fatalf("fresh account: %d %s\nwant %s", status, body, want)
	}

	ledger := activeApp(t).runtime.ledger
	for i := 0; i < 100; i++ { // 100 calls of $0.4218
		r, err := ledger.Reserve(k.UserID, 500*1e6, 1e6)
		if err != nil {
			t.Fatal(err)
		}
		ledger.Settle(r, 421_800)
	}
	status, _, body = g.do("GET", g.base+"/v1/usage", k.Key, nil)
	want = `{"status":{"tier":"developer","cap_usd":500,"used_usd":42.18,"remaining_usd":457.82,"percent":8,"blocked":false,"reserved_usd":0}}`
	if status != 200 || string(body) != want {
		t.Fatalf("after 100 calls: %d %s\nwant %s", status, body, want)
	}

	r, _ := ledger.Reserve(k.UserID, 500*1e6, 0)
	ledger.Settle(r, money.MicroUSD(460*1e6)) // a call that cost more than its estimate
	status, _, body = g.do("GET", g.base+"/v1/usage", k.Key, nil)
	var over struct {
		Status struct {
			Remaining float64 `json:"remaining_usd"`
			Percent   int     `json:"percent"`
			Blocked   bool    `json:"blocked"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &over); err != nil || status != 200 {
		t.Fatalf("%d %s %v", status, body, err)
	}
	if over.Status.Remaining != 0 || over.Status.Percent != 100 || !over.Status.Blocked {
		t.Fatalf("over the cap: %s", body)
	}
}
