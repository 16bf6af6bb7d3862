package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Ten reloads under load: every request gets its answer, all 200. The old
// config's server can close a connection it accepted, or was keeping alive,
// right as the reload shuts it down, before reading or answering anything
// (Go's net/http drops a request read after Shutdown began; on Linux the old
// SO_REUSEPORT socket also resets its accept queue). Such a request never
// reached Kaine, so a client may safely send it again, as HTTP clients and
// the providers' SDKs do; the test does that once and counts it. Anything
// else (a wrong answer, a request lost after Kaine began to handle it, a
// failed retry) fails the test.
func TestReloadUnderLoadLosesNothing(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.newKey("angel", "read")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var ok, retried atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	stopLoad := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for n := 0; n < 200_000; n++ { // bounded; stopLoad ends it much sooner
				select {
				case <-stopLoad:
					return
				default:
				}
				status, body, err := get(ctx, client, in.base+"/v1/me", key)
				if err != nil { // no answer at all: the connection closed before one
					retried.Add(1)
					status, body, err = get(ctx, client, in.base+"/v1/me", key)
				}
				if err != nil || status != 200 {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%d %s %v", status, body, err))
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}

	for i := 1; i <= 10; i++ {
		docs := fmt.Sprintf("https://docs.test/v%d/reload", i)
		in.writeConfig(docs)
		if out, err := in.kaine("reload", "--config", in.config, "--adapter", "caddyfile", "--address", in.adminAddr); err != nil {
			t.Fatalf("reload %d: %v\n%s", i, err, out)
		}
		// The new config serves at once: its docs URL is in the next error.
		status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/me", "kn_live_00000000000000000000000000000000")
		if err != nil || status != 401 || !strings.Contains(string(body), docs) {
			t.Fatalf("after reload %d: %d %s %v", i, status, body, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stopLoad)
	wg.Wait()

	if len(failures) != 0 {
		t.Fatalf("%d of %d requests failed across 10 reloads; first: %s", len(failures), len(failures)+int(ok.Load()), failures[0])
	}
	if ok.Load() < 100 {
		t.Fatalf("only %d requests ran during the reloads", ok.Load())
	}
	t.Logf("%d requests answered 200 across 10 reloads; %d resent once after the old server closed their connection unanswered", ok.Load(), retried.Load())
	in.stop()
	log := in.log.String()
	if n := strings.Count(log, `"storage opened"`); n != 1 {
		t.Fatalf("storage was opened %d times; a reload must reuse the open database", n)
	}
	if n := strings.Count(log, `"storage closed"`); n != 1 {
		t.Fatalf("storage was closed %d times, want once at exit", n)
	}
}

func TestCLIRefusesBadInputWithOneLine(t *testing.T) {
	in := newInstance(t)
	in.start()
	in.newKey("angel", "read,write")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"users", "add", "--username", "bob", "--email", "bob@example.com", "--tier", "gold"}, `unknown tier "gold"`},
		{[]string{"users", "add", "--username", "angel", "--email", "x@example.com", "--tier", "pro"}, "already taken"},
		{[]string{"users", "add", "--username", "bob", "--email", "bob@example.com"}, "--tier is required"},
		{[]string{"keys", "create", "--user", "nobody", "--scopes", "read"}, `user "nobody"`},
		{[]string{"keys", "create", "--user", "angel"}, "--scopes is required"},
		{[]string{"keys", "create", "--user", "angel", "--scopes", "read,admin"}, `unknown scope "admin"`},
		{[]string{"keys", "revoke", "999"}, "not found"},
		{[]string{"users", "tier", "--user", "angel", "--tier", "platinum"}, `unknown tier "platinum"`},
	} {
		out, err := in.kaine(append(tc.args, "--address", in.adminAddr)...)
		line := strings.TrimSpace(out)
		if err == nil || strings.Contains(line, "\n") || !strings.Contains(line, tc.want) {
			t.Errorf("kaine %s: err=%v, output %q; want a non-zero exit and one line with %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}

	var user map[string]any
	in.admin(&user, "users", "tier", "--user", "angel", "--tier", "pro")
	if user["tier"] != "pro" {
		t.Fatalf("tier change printed %v", user)
	}
	var users struct {
		Users []map[string]any `json:"users"`
	}
	in.admin(&users, "users", "list")
	if len(users.Users) != 1 || users.Users[0]["username"] != "angel" {
		t.Fatalf("users list printed %v", users)
	}
	var revoked map[string]any
	in.admin(&revoked, "keys", "revoke", "1")
	if revoked["revoked"] != true {
		t.Fatalf("revoke printed %v", revoked)
	}
}

func TestRestartKeepsAccountsAndNoSecretReachesDiskOrLog(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.newKey("angel", "read")
	ctx := context.Background()
	if status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/me", key); err != nil || status != 200 {
		t.Fatalf("me: %d %s %v", status, body, err)
	}
	in.stop()

	db, err := os.ReadFile(filepath.Join(in.dir, "data", "kaine.db"))
	if err != nil {
		t.Fatal(err)
	}
	secretPart := key[len("kn_live_")+6:] // the part no listing ever shows
	if strings.Contains(string(db), secretPart) {
		t.Fatal("the key's secret is in the database file")
	}
	if strings.Contains(in.log.String(), secretPart) {
		t.Fatal("the key's secret is in the gateway's log")
	}

	in.start()
	status, body, err := get(ctx, http.DefaultClient, in.base+"/v1/me", key)
	if err != nil || status != 200 {
		t.Fatalf("me after restart: %d %s %v", status, body, err)
	}
	var keys struct {
		Keys []struct {
			LastUsedAt *time.Time `json:"last_used_at"`
		} `json:"keys"`
	}
	in.admin(&keys, "keys", "list", "--user", "angel")
	if len(keys.Keys) != 1 || keys.Keys[0].LastUsedAt == nil {
		t.Fatalf("keys after restart: %+v", keys)
	}
	out, _ := json.Marshal(keys)
	if strings.Contains(string(out), secretPart) {
		t.Fatal("the key listing shows the secret")
	}
	in.stop()
}
