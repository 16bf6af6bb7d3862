package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// After SIGKILL, every call answered more than one flush interval (50 ms for
// the audit log) before the kill has its audit record, and the database
// opens cleanly.
func TestAuditSurvivesSIGKILL(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.newKey("angel", "read")
	ctx := context.Background()
	const calls = 100
	for i := 0; i < calls; i++ {
		if status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/me", key); err != nil || status != 200 {
			t.Fatalf("call %d: %d %s %v", i, status, body, err)
		}
	}
	time.Sleep(500 * time.Millisecond) // ten flush intervals
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	in.cmd.Wait()

	in.start()
	status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/audit?endpoint=/v1/me&limit=500", key)
	if err != nil || status != 200 {
		t.Fatalf("audit after restart: %d %s %v", status, body, err)
	}
	var audit struct {
		Count   int `json:"count"`
		Records []struct {
			Status int `json:"status"`
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &audit); err != nil {
		t.Fatal(err)
	}
	if audit.Count != calls {
		t.Fatalf("%d audit records of /v1/me after SIGKILL, want all %d", audit.Count, calls)
	}
	in.stop()
}
