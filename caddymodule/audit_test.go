package caddymodule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/keinetech/kaine/metering"
)

type auditAnswer struct {
	Records []struct {
		ID        uint64 `json:"id"`
		KeyID     uint64 `json:"key_id"`
		RequestID string `json:"request_id"`
		Endpoint  string `json:"endpoint"`
		Method    string `json:"method"`
		Status    int    `json:"status"`
		Error     string `json:"error"`
		UserID    any    `json:"user_id"`
	} `json:"records"`
	Count int `json:"count"`
}

// waitForRecords waits until an account has at least n audit records: a
// record is enqueued just after its answer is sent, so a client can be
// quicker than the pipeline.
func (g *gateway) waitForRecords(user uint64, n int) {
	g.t.Helper()
	log := activeApp(g.t).runtime.audit
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		log.Flush()
		if got, err := log.Query(user, "", n); err == nil && len(got) >= n {
			return
		}
	}
	g.t.Fatalf("account %d has fewer than %d audit records after 5s", user, n)
}

func (g *gateway) audit(key, query string) auditAnswer {
	g.t.Helper()
	status, _, body := g.do("GET", g.base+"/v1/audit"+query, key, nil)
	if status != 200 {
		g.t.Fatalf("audit%s: %d %s", query, status, body)
	}
	var a auditAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		g.t.Fatal(err)
	}
	return a
}

func TestAuditRecordsEveryAuthenticatedCall(t *testing.T) {
	g := startGateway(t, `tier tiny {
			cap_usd 1
			rpm 1
		}`)
	a := g.userWithKey("a", "read")
	var writeKey newKey
	g.adminJSON("POST", "/kaine/keys", map[string]any{"username": "a", "scopes": []string{"write"}}, 201, &writeKey)
	b := g.userWithKey("b", "read")
	g.do("GET", g.base+"/v1/me", b.Key, nil) // account B's call

	_, h1, _ := g.do("GET", g.base+"/v1/me", a.Key, nil)                          // 200
	_, _, _ = g.do("GET", g.base+"/v1/usage", a.Key, nil)                         // 200
	_, h3, _ := g.do("GET", g.base+"/v1/me", writeKey.Key, nil)                   // 403
	g.do("GET", g.base+"/v1/me", "kn_live_00000000000000000000000000000000", nil) // unauthenticated: no record

	g.waitForRecords(b.UserID, 1)
	g.waitForRecords(a.UserID, 3)
	got := g.audit(b.Key, "") // B sees only B's call
	if got.Count != 1 || got.Records[0].KeyID != b.KeyID {
		t.Fatalf("account B sees %+v", got)
	}
	if got := g.audit(b.Key, "?endpoint=/v1/usage"); got.Count != 0 {
		t.Fatalf("account B's /v1/usage filter found %d records", got.Count)
	}

	got = g.audit(a.Key, "")
	wantStatuses := []int{403, 200, 200} // newest first
	if got.Count != len(wantStatuses) {
		t.Fatalf("A has %d records, want %d: %+v", got.Count, len(wantStatuses), got.Records)
	}
	for i, r := range got.Records {
		if r.Status != wantStatuses[i] || r.Method != "GET" || r.UserID != nil {
			t.Fatalf("record %d = %+v, want status %d", i, r, wantStatuses[i])
		}
	}
	if got.Records[0].Error != "insufficient_scope" || got.Records[0].KeyID != writeKey.KeyID || got.Records[2].KeyID != a.KeyID {
		t.Fatalf("error codes or keys wrong: %+v", got.Records)
	}
	if got.Records[0].RequestID != h3.Get("X-Request-Id") || got.Records[2].RequestID != h1.Get("X-Request-Id") {
		t.Fatal("audit request IDs do not match the answers' X-Request-Id")
	}
	if usage := g.audit(a.Key, "?endpoint=/v1/usage"); usage.Count != 1 || usage.Records[0].Endpoint != "/v1/usage" {
		t.Fatalf("endpoint filter: %+v", usage)
	}
	if two := g.audit(a.Key, "?limit=2"); two.Count != 2 || two.Records[0].ID < two.Records[1].ID {
		t.Fatalf("limit=2: %+v", two)
	}

	// A refused call is recorded too: C's tier allows one call a minute.
	g.adminJSON("POST", "/kaine/users", map[string]string{"username": "c", "email": "c@example.com", "tier": "tiny"}, 201, nil)
	var c newKey
	g.adminJSON("POST", "/kaine/keys", map[string]any{"username": "c", "scopes": []string{"read"}}, 201, &c)
	g.do("GET", g.base+"/v1/me", c.Key, nil)
	if status, _, _ := g.do("GET", g.base+"/v1/me", c.Key, nil); status != 429 {
		t.Fatalf("C's second call: %d", status)
	}
	g.waitForRecords(c.UserID, 2)
	records, err := activeApp(t).runtime.audit.Query(c.UserID, "", 10)
	if err != nil || len(records) != 2 || records[0].Status != 429 || records[0].Error != "rate_limit_exceeded" {
		t.Fatalf("C's records: %+v %v", records, err)
	}
}

func TestAuditLimitDefaultClampAndBadValues(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("busy", "read") // developer: 120 rpm
	for i := 0; i < 110; i++ {
		g.do("GET", g.base+"/v1/me", k.Key, nil)
	}
	g.waitForRecords(k.UserID, 110)
	if a := g.audit(k.Key, ""); a.Count != 100 {
		t.Fatalf("default limit: %d records", a.Count)
	}
	log := activeApp(t).runtime.audit
	for i := 0; i < 500; i++ {
		log.Record(metering.AuditRecord{UserID: k.UserID, KeyID: k.KeyID, Endpoint: "/v1/me", Method: "GET", Status: 200, Time: time.Now()})
	}
	log.Flush()
	if a := g.audit(k.Key, "?limit=100000"); a.Count != 500 {
		t.Fatalf("limit=100000: %d records, want 500", a.Count)
	}
	for _, bad := range []string{"abc", "0", "-3", "1.5", "99999999999999999999"} {
		status, h, body := g.do("GET", g.base+"/v1/audit?limit="+bad, k.Key, nil)
		wantError(t, status, h, body, 400, "invalid_field")
	}
}

// A config refused at validation must not touch the running runtime: a
// negative retention taken over early would sweep the whole audit log.
func TestRejectedConfigLeavesRetentionAlone(t *testing.T) {
	g := startGateway(t, "audit_retention 30d")
	rt := activeApp(t).runtime
	if got := time.Duration(rt.retention.Load()); got != 30*24*time.Hour {
		t.Fatalf("retention %v, want 30d", got)
	}
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(fmt.Sprintf(`{
	admin %s
	persist_config off
	kaine {
		storage %s
		audit_retention 1h
	}
}`, strings.TrimPrefix(g.admin, "http://"), g.storage)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The Caddyfile refuses a negative duration; JSON config reaches Validate.
	hour := fmt.Sprint(int64(time.Hour))
	if !bytes.Contains(cfg, []byte(hour)) {
		t.Fatalf("adapted config has no retention of %s: %s", hour, cfg)
	}
	cfg = bytes.Replace(cfg, []byte(hour), []byte("-"+hour), 1)
	if err := caddy.Load(cfg, true); err == nil || !strings.Contains(err.Error(), "audit_retention must be positive") {
		t.Fatalf("loading a negative retention: err = %v", err)
	}
	if got := time.Duration(rt.retention.Load()); got != 30*24*time.Hour {
		t.Fatalf("retention after a rejected config: %v, want 30d", got)
	}
}

// The audit flush interval a config sets reaches the writer that outlives
// reloads.
func TestAuditFlushIntervalIsTakenAtStart(t *testing.T) {
	startGateway(t, "audit_flush_interval 200ms")
	if got := activeApp(t).runtime.audit.FlushInterval(); got != 200*time.Millisecond {
		t.Fatalf("flush interval %v, want 200ms", got)
	}
}
