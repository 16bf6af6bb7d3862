package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// After SIGKILL, every call answered more than one flush interval before the
// kill (50 ms for the audit log, 1 s for the usage ledger) has its audit
// record and its cost in the ledger, and the database opens cleanly.
func TestAuditAndUsageSurviveSIGKILL(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	// gpt ($2.50 / $15 per million): 18 in, 14 out = 45 + 210 = 255 µUSD a call.
	fake.Default(fakeupstream.Reply{Text: "ok", Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 14}})
	in := newInstance(t)
	in.providers = fmt.Sprintf("provider openai {\n\t\t\tapi_key test-key\n\t\t\tbase_url %s/v1\n\t\t}", fake.URL)
	in.writeConfig("https://docs.test/v0")
	in.start()
	key := in.newKey("angel", "read,write")
	ctx := context.Background()
	const calls = 100
	for i := 0; i < calls; i++ {
		if status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/me", key); err != nil || status != 200 {
			t.Fatalf("me %d: %d %s %v", i, status, body, err)
		}
		if status, body, err := post(in.base+"/v1/llm", key, `{"prompt":"hi","provider":"openai"}`); err != nil || status != 200 {
			t.Fatalf("llm %d: %d %s %v", i, status, body, err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // past the ledger's 1 s flush interval
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	in.cmd.Wait()

	in.start()
	for _, endpoint := range []string{"/v1/me", "/v1/llm"} {
		status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/audit?limit=500&endpoint="+endpoint, key)
		if err != nil || status != 200 {
			t.Fatalf("audit after restart: %d %s %v", status, body, err)
		}
		var audit struct {
			Count int `json:"count"`
		}
		if err := json.Unmarshal(body, &audit); err != nil {
			t.Fatal(err)
		}
		if audit.Count != calls {
			t.Fatalf("%d audit records of %s after SIGKILL, want all %d", audit.Count, endpoint, calls)
		}
	}
	status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/usage", key)
	if err != nil || status != 200 {
		t.Fatalf("usage after restart: %d %s %v", status, body, err)
	}
	var usage struct {
		Status struct {
			Used float64 `json:"used_usd"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &usage); err != nil || usage.Status.Used != 0.0255 {
		t.Fatalf("usage after SIGKILL %s, want used_usd 0.0255 (100 calls of $0.000255)", body)
	}
	in.stop()
}

func post(url, key, body string) (int, []byte, error) {
	req, err := http.NewRequest("POST", url, bytes.NewBufferString(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
