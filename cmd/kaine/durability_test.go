package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// The flush bounds the gateway states (docs/security.md, "What a crash can lose"): what a crash
// can lose of the latest audit records and ledger entries. crashMargin
// covers the moment between a client reading its answer and the record
// being queued, a commit already under way, and fsyncs slowed by a busy
// CI disk.
const (
	auditFlushBound  = 250 * time.Millisecond
	ledgerFlushBound = time.Second
	crashMargin      = 500 * time.Millisecond
)

// answered is one /v1/llm call the client got a 200 for.
type answered struct {
	requestID string
	at        time.Time
}

// SIGKILL under steady load: after a restart every call answered more than
// the audit flush bound before the kill has its audit record, the ledger
// holds at least the cost of every call answered more than its flush bound
// before, and never more than the calls sent; the database checks clean.
func TestAuditAndUsageSurviveSIGKILLUnderLoad(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	// gpt ($2.50 / $15 per million): 18 in, 14 out = 45 + 210 = 255 µUSD a call.
	const callCost = 0.000255
	fake.Default(fakeupstream.Reply{Text: "ok", Usage: fakeupstream.Usage{InputTokens: 18, OutputTokens: 14}})
	in := newInstance(t)
	in.providers = fmt.Sprintf("provider openai {\n\t\t\tapi_key test-key\n\t\t\tbase_url %s/v1\n\t\t}", fake.URL)
	in.writeConfig("https://docs.test/v0")
	in.start()
	key := in.newKey("angel", "read,write")

	var (
		mu   sync.Mutex
		got  []answered
		sent int
	)
	stop := make(chan struct{})
	var workers sync.WaitGroup
	for range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			tick := time.NewTicker(25 * time.Millisecond) // ~160 calls a second in all
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				mu.Lock()
				sent++
				mu.Unlock()
				id, err := postLLM(in.base, key)
				if err == nil {
					mu.Lock()
					got = append(got, answered{id, time.Now()})
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	killedAt := time.Now()
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	in.cmd.Wait()
	close(stop)
	workers.Wait()
	if len(got) < 100 {
		t.Fatalf("only %d calls answered before the kill; the load did not run", len(got))
	}

	in.start()
	audited := auditedRequestIDs(t, in, key)
	mustHave, lost := 0, 0
	for _, a := range got {
		if killedAt.Sub(a.at) > auditFlushBound+crashMargin {
			mustHave++
			if !audited[a.requestID] {
				lost++
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d calls answered over %s before the kill have no audit record", lost, mustHave, auditFlushBound)
	}
	durable := 0
	for _, a := range got {
		if killedAt.Sub(a.at) > ledgerFlushBound+crashMargin {
			durable++
		}
	}
	used := usedUSD(t, in, key)
	if low, high := float64(durable)*callCost, float64(sent)*callCost; used < low-1e-9 || used > high+1e-9 {
		t.Errorf("ledger after SIGKILL holds $%.6f; want between $%.6f (%d calls answered over %s before) and $%.6f (%d sent)",
			used, low, durable, ledgerFlushBound, high, sent)
	}
	t.Logf("%d calls sent, %d answered, %d audited; %d had to survive and did", sent, len(got), len(audited), mustHave-lost)
	in.stop()
	checkDatabase(t, filepath.Join(in.dir, "data", "kaine.db"))
}

// postLLM makes one /v1/llm call and returns the request id of its answer.
func postLLM(base, key string) (string, error) {
	req, err := http.NewRequest("POST", base+"/v1/llm", bytes.NewBufferString(`{"prompt":"hi","provider":"openai"}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp.Header.Get("X-Request-Id"), nil
}

func auditedRequestIDs(t *testing.T, in *instance, key string) map[string]bool {
	t.Helper()
	status, body, err := get(context.Background(), http.DefaultClient, in.base+"/v1/audit?limit=500&endpoint=/v1/llm", key)
	if err != nil || status != 200 {
		t.Fatalf("audit after restart: %d %s %v", status, body, err)
	}
	var audit struct {
		Records []struct {
			RequestID string `json:"request_id"`
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &audit); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range audit.Records {
		ids[r.RequestID] = true
	}
	return ids
}

func usedUSD(t *testing.T, in *instance, key string) float64 {
	t.Helper()
	status, body, err := get(context.Background(), http.DefaultClient, in.base+"/v1/usage", key)
	if err != nil || status != 200 {
		t.Fatalf("usage after restart: %d %s %v", status, body, err)
	}
	var usage struct {
		Status struct {
			Used float64 `json:"used_usd"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &usage); err != nil {
		t.Fatal(err)
	}
	return usage.Status.Used
}

// checkDatabase opens the stopped gateway's bbolt file and checks every
// page of it.
func checkDatabase(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("database after the crash: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("database check after the crash: %v", err)
	}
}
