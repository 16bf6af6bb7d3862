package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A record changed in the database file while the gateway is down is
// found by the audit chain: GET /v1/audit/verify and `kaine audit verify`
// name it, and the CLI exits 1.
func TestAuditChainFindsARecordEditedInTheFile(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.newKey("auditor", "read")
	var me struct {
		UserID uint64 `json:"user_id"`
	}
	for range 30 {
		if status, body, err := get(t.Context(), http.DefaultClient, in.base+"/v1/me", key); err != nil || status != 200 || json.Unmarshal(body, &me) != nil {
			t.Fatalf("GET /v1/me: %d %s %v", status, body, err)
		}
	}
	verifyOK := func() map[string]any {
		t.Helper()
		var v map[string]any
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			status, body, err := get(t.Context(), http.DefaultClient, in.base+"/v1/audit/verify", key)
			if err != nil || status != 200 || json.Unmarshal(body, &v) != nil {
				t.Fatalf("verify: %d %s %v", status, body, err)
			}
			if v["ok"] == true && v["checked"].(float64) >= 30 || time.Now().After(deadline) {
				return v
			}
		}
	}
	if v := verifyOK(); v["ok"] != true {
		t.Fatalf("a chain written by the gateway: %v", v)
	}
	in.admin(nil, "audit", "verify", "--user", "auditor")
	in.stop()

	edited := editOneRecord(t, filepath.Join(in.dir, "data", "kaine.db"), me.UserID)
	in.start()
	status, body, err := get(t.Context(), http.DefaultClient, in.base+"/v1/audit/verify", key)
	var v struct {
		OK       bool   `json:"ok"`
		BrokenAt uint64 `json:"broken_at"`
	}
	if err != nil || status != 200 || json.Unmarshal(body, &v) != nil || v.OK || v.BrokenAt != edited {
		t.Fatalf("after editing record %d: %d %s %v", edited, status, body, err)
	}
	out, err := in.kaine("audit", "verify", "--user", "auditor", "--address", in.adminAddr)
	if err == nil || !strings.Contains(out, fmt.Sprintf("broken at record %d", edited)) {
		t.Fatalf("kaine audit verify after the edit: %v\n%s", err, out)
	}
}

// editOneRecord lowers the status of the account's 10th record in the
// stopped gateway's database, leaving its hash, and returns its id.
func editOneRecord(t *testing.T, path string, user uint64) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id uint64
	err = db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket([]byte("audit"))
		prefix := binary.BigEndian.AppendUint64(nil, user)
		c := records.Cursor()
		k, v := c.Seek(prefix)
		for range 9 {
			k, v = c.Next()
		}
		if k == nil || !bytes.HasPrefix(k, prefix) || !bytes.Contains(v, []byte(`"status":200`)) {
			return fmt.Errorf("no 10th record of account %d with status 200: %q", user, v)
		}
		id = binary.BigEndian.Uint64(k[8:])
		return records.Put(bytes.Clone(k), bytes.Replace(bytes.Clone(v), []byte(`"status":200`), []byte(`"status":201`), 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
