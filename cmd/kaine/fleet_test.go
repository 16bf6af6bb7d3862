package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keinetech/kaine/internal/redistest"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// startFleet starts n gateways sharing the package's Redis under a key
// prefix of the test's own, with a BYOK fee that makes every call cost
// exactly its estimate, and tiers for the limits the tests try.
func startFleet(t *testing.T, n int, fake *fakeupstream.Server) []*instance {
	t.Helper()
	if redisServer == nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	config := fmt.Sprintf(`provider openai {
			api_key test-key
			base_url %s/v1
		}
		routing {
			byok_fee_usd 0.05
		}
		tier capped {
			cap_usd 1
			rpm 100000
		}
		tier roomy {
			cap_usd 1000
			rpm 100000
		}
		tier limited {
			cap_usd 1000
			rpm 60
		}
		fleet {
			redis %s
			prefix %s
		}`, fake.URL, redisServer.URL(), fleetPrefix(t))
	fleet := make([]*instance, n)
	var wg sync.WaitGroup
	for i := range fleet {
		in := newInstance(t)
		in.providers = config
		in.writeConfig(testDocs)
		fleet[i] = in
		wg.Go(in.start)
	}
	wg.Wait()
	return fleet
}

// fleetPrefix keeps this run of a test's keys apart in the shared Redis.
func fleetPrefix(t *testing.T) string {
	return strings.ReplaceAll(t.Name(), "/", "-") + "-" + rand.Text()
}

// fleetUser creates an account on tier through one instance and a key for
// it, and returns the key.
func fleetUser(in *instance, username, tier string) (string, uint64) {
	in.t.Helper()
	in.adminJSON("POST", "/kaine/users", map[string]string{"username": username, "email": username + "@example.com", "tier": tier}, nil, http.StatusCreated)
	return in.anotherKey(username, "read,write")
}

func call(method, url, key, body string) (int, []byte) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestAFleetOfThreeKeepsOneCapOneRateAndOneKeyList(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "ok"})
	fleet := startFleet(t, 3, fake)

	// Overshoot: the cap admits exactly 20 calls at $0.05, whatever
	// instance they reach.
	capped, _ := fleetUser(fleet[0], "ada", "capped")
	var admitted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 150 {
		wg.Go(func() {
			status, body := call("POST", fleet[i%3].base+"/v1/llm", capped, `{"prompt":"hi","provider":"openai","byo_key":"sk-callers-own"}`)
			switch {
			case status == 200:
				admitted.Add(1)
			case status == 429 && bytes.Contains(body, []byte("usage_cap_reached")):
				refused.Add(1)
			default:
				t.Errorf("%d %s", status, body)
			}
		})
	}
	wg.Wait()
	if admitted.Load() != 20 || refused.Load() != 130 {
		t.Fatalf("150 calls over three instances against a cap of 20: %d admitted, %d refused", admitted.Load(), refused.Load())
	}
	for _, in := range fleet {
		within(t, time.Second, "usage is the cap on every instance", func() bool {
			_, body := call("GET", in.base+"/v1/usage", capped, "")
			return bytes.Contains(body, []byte(`"used_usd":1,`)) && bytes.Contains(body, []byte(`"reserved_usd":0}`))
		})
	}

	// Every instance reads every instance's records of those calls.
	for _, in := range fleet {
		within(t, time.Second, "the audit log holds the 150 calls", func() bool {
			_, body := call("GET", in.base+"/v1/audit?limit=500&endpoint=/v1/llm", capped, "")
			return bytes.Contains(body, []byte(`"count":150`))
		})
	}

	// The rate: 60 a minute across the fleet, a burst of 60 and no more.
	limited, keyID := fleetUser(fleet[1], "bob", "limited")
	admitted.Store(0)
	start := time.Now()
	for i := range 90 {
		wg.Go(func() {
			if status, _ := call("GET", fleet[i%3].base+"/v1/me", limited, ""); status == 200 {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	if burst := time.Since(start); burst < time.Second && admitted.Load() != 60 {
		t.Fatalf("a burst of 90 at 60 rpm over three instances: %d admitted in %s", admitted.Load(), burst)
	}

	// The metrics tell the round trips and that the store is up.
	_, metrics := call("GET", "http://"+fleet[0].adminAddr+"/metrics", "", "")
	for _, want := range []string{"kaine_fleet_up 1", `kaine_fleet_redis_seconds_count{op="admit"}`, `kaine_fleet_redis_seconds_count{op="rate"}`} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A model call's rate check waits for its reservation, to make both in
	// one round trip; one that fails before reserving is still counted,
	// and past the rate it is a 429, not its 400.
	if status, body := call("POST", fleet[0].base+"/v1/llm", limited, `{"prompt":`); status != 429 || !bytes.Contains(body, []byte("rate_limit_exceeded")) {
		t.Fatalf("a bad call past the rate: %d %s", status, body)
	}
	roomy, _ := fleetUser(fleet[0], "eve", "roomy")
	req, _ := http.NewRequest("POST", fleet[1].base+"/v1/llm", strings.NewReader(`{"prompt":`))
	req.Header.Set("Authorization", "Bearer "+roomy)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-RateLimit-Remaining") != "99999" {
		t.Fatalf("a bad call within the rate: %d, remaining %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}

	// Revocation on one instance holds on the others within a second.
	fleet[2].adminJSON("DELETE", fmt.Sprintf("/kaine/keys/%d", keyID), nil, nil, http.StatusOK)
	for _, in := range fleet[:2] {
		within(t, time.Second, "a revoked key is refused", func() bool {
			status, body := call("GET", in.base+"/v1/me", limited, "")
			return status == 401 && bytes.Contains(body, []byte("revoked_api_key"))
		})
	}
}

// within polls check until it holds, failing the test after d.
func within(t *testing.T, d time.Duration, what string, check func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !check() {
		if ctx.Err() != nil {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestASingleGatewayMovesIntoAFleet(t *testing.T) {
	if redisServer == nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	single := newInstance(t)
	single.start()
	key := single.newKey("ada", "read,write")
	single.stop()

	prefix := fleetPrefix(t)
	storage := single.dir + "/data/kaine.db"
	out, err := single.kaine("fleet", "import", "--from", storage, "--redis", redisServer.URL(), "--prefix", prefix)
	if err != nil || !strings.Contains(out, `{"imported_users":1,"imported_keys":1}`) {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := single.kaine("fleet", "import", "--from", storage, "--redis", redisServer.URL(), "--prefix", prefix); err == nil ||
		!strings.Contains(out, "already has accounts") {
		t.Fatalf("a second import: %v\n%s", err, out)
	}

	member := newInstance(t)
	member.providers = fmt.Sprintf("fleet {\n\t\t\tredis %s\n\t\t\tprefix %s\n\t\t}", redisServer.URL(), prefix)
	member.writeConfig(testDocs)
	member.start()
	if status, body := call("GET", member.base+"/v1/me", key, ""); status != 200 || !bytes.Contains(body, []byte(`"username":"ada"`)) {
		t.Fatalf("the imported key on a fleet member: %d %s", status, body)
	}
}

func TestTheFleetsBusinessDataLivesAtItsHome(t *testing.T) {
	if redisServer == nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	prefix := fleetPrefix(t)
	home := newInstance(t)
	home.providers = fmt.Sprintf("fleet {\n\t\t\tredis %s\n\t\t\tprefix %s\n\t\t}", redisServer.URL(), prefix)
	home.writeConfig(testDocs)
	home.start()
	members := make([]*instance, 2)
	for i := range members {
		members[i] = newInstance(t)
		members[i].providers = fmt.Sprintf("fleet {\n\t\t\tredis %s\n\t\t\tprefix %s\n\t\t\thome %s\n\t\t}", redisServer.URL(), prefix, home.base)
		members[i].writeConfig(testDocs)
		members[i].start()
	}
	key, _ := fleetUser(members[0], "ada", "starter")
	status, body := call("POST", members[0].base+"/v1/leads", key, `{"name":"Grace","email":"grace@example.com","source":"referral"}`)
	if status != 201 && status != 200 {
		t.Fatalf("a lead through one member: %d %s", status, body)
	}
	for _, in := range []*instance{members[1], home} {
		if status, body := call("GET", in.base+"/v1/leads", key, ""); status != 200 || !bytes.Contains(body, []byte("grace@example.com")) {
			t.Fatalf("the lead through another: %d %s", status, body)
		}
	}
	home.stop()
	status, body = call("GET", members[1].base+"/v1/leads", key, "")
	if status != 503 || !bytes.Contains(body, []byte("store_unavailable")) {
		t.Fatalf("with the home down: %d %s", status, body)
	}
	if status, _ := call("GET", members[1].base+"/v1/me", key, ""); status != 200 {
		t.Fatalf("what is not the home's is still served: %d", status)
	}
}

func TestAFleetThroughARedisRestartLosesAndDoublesNothing(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "ok"})
	fleet := startFleet(t, 3, fake)
	key, _ := fleetUser(fleet[0], "ada", "roomy")

	var ok, refused, sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				status, body := call("POST", fleet[(i+n)%3].base+"/v1/llm", key, `{"prompt":"hi","provider":"openai","byo_key":"sk-callers-own"}`)
				switch {
				case status == 200:
					ok.Add(1)
				case status == 503 && bytes.Contains(body, []byte("store_unavailable")):
					refused.Add(1)
				default:
					t.Errorf("%d %s", status, body)
				}
				time.Sleep(30 * time.Millisecond) // under the 500 records one audit page holds
			}
		})
	}
	time.Sleep(time.Second)
	redisServer.Stop()
	time.Sleep(time.Second)
	if err := redisServer.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	t.Logf("%d calls: %d answered, %d refused while Redis was down", sent.Load(), ok.Load(), refused.Load())
	if refused.Load() == 0 || ok.Load() < 50 || sent.Load() >= 500 {
		t.Fatalf("the outage did not show: %d answered, %d refused of %d", ok.Load(), refused.Load(), sent.Load())
	}

	// Every call is audited once, and the ledger holds the fee of every
	// answered call once: nothing lost while Redis was away, nothing
	// counted twice when it came back.
	fees, _ := json.Marshal(money.MicroUSD(ok.Load() * 50_000))
	want := fmt.Sprintf(`"used_usd":%s,`, fees)
	// Waits are generous: records wait for the next resend (every second)
	// and a loaded CI machine may take a few.
	within(t, 10*time.Second, "usage is the answered calls' fees", func() bool {
		_, body := call("GET", fleet[1].base+"/v1/usage", key, "")
		return bytes.Contains(body, []byte(want))
	})
	audited := -1
	within(t, 10*time.Second, "every call is audited once (the counts seen are logged)", func() bool {
		if n := auditCount(fleet[2], key); n != audited {
			audited = n
			t.Logf("audited %d of %d", n, sent.Load())
		}
		return audited == int(sent.Load())
	})
}

// auditCount counts an account's /v1/llm records, up to the 500 one page
// holds.
func auditCount(in *instance, key string) int {
	_, body := call("GET", in.base+"/v1/audit?limit=500&endpoint=/v1/llm", key, "")
	var page struct {
		Count int `json:"count"`
	}
	if json.Unmarshal(body, &page) != nil {
		return -1
	}
	return page.Count
}

func TestAKilledInstancesHoldsComeBackAfterTheirLease(t *testing.T) {
	if redisServer == nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Hang: true})
	prefix := fleetPrefix(t)
	fleet := make([]*instance, 2)
	for i := range fleet {
		fleet[i] = newInstance(t)
		fleet[i].providers = fmt.Sprintf(`provider openai {
			api_key test-key
			base_url %s/v1
		}
		routing {
			byok_fee_usd 0.05
		}
		tier small {
			cap_usd 0.25
			rpm 100000
		}
		fleet {
			redis %s
			prefix %s
			lease 10s
		}`, fake.URL, redisServer.URL(), prefix)
		fleet[i].writeConfig(testDocs)
		fleet[i].start()
	}
	key, _ := fleetUser(fleet[1], "ada", "small")
	for range 5 { // the whole cap, held by calls the upstream never answers
		go call("POST", fleet[0].base+"/v1/llm", key, `{"prompt":"hi","provider":"openai","byo_key":"sk-callers-own"}`)
	}
	within(t, 2*time.Second, "five holds", func() bool {
		_, body := call("GET", fleet[1].base+"/v1/usage", key, "")
		return bytes.Contains(body, []byte(`"reserved_usd":0.25`))
	})
	killed := time.Now()
	fleet[0].cmd.Process.Kill()
	fleet[0].cmd.Wait()
	if status, body := call("POST", fleet[1].base+"/v1/llm", key, `{"prompt":"hi","provider":"openai","byo_key":"sk-callers-own"}`); status != 429 {
		t.Fatalf("while the dead instance's holds last: %d %s", status, body)
	}
	within(t, 15*time.Second, "the holds come back at the end of their lease", func() bool {
		_, body := call("GET", fleet[1].base+"/v1/usage", key, "")
		return bytes.Contains(body, []byte(`"used_usd":0,`)) && bytes.Contains(body, []byte(`"reserved_usd":0}`))
	})
	if waited := time.Since(killed); waited > 12*time.Second {
		t.Errorf("the holds came back %s after the kill, lease 10s", waited)
	}
	fake.Default(fakeupstream.Reply{Text: "ok"})
	if status, body := call("POST", fleet[1].base+"/v1/llm", key, `{"prompt":"hi","provider":"openai","byo_key":"sk-callers-own"}`); status != 200 {
		t.Fatalf("the cap is free again: %d %s", status, body)
	}
}

// The limit on an account's agent runs under way is one across the fleet,
// even between instances that each keep their own runs (no home).
func TestAFleetCountsAnAccountsAgentRunsOnce(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Hang: true}) // every run stays under way
	fleet := startFleet(t, 2, fake)
	key, _ := fleetUser(fleet[0], "ada", "roomy")
	const run = `{"agent_name":"lead_crm_agent","goal":"Text Ana.","async":true}`
	for i := range 4 {
		if status, body := call("POST", fleet[i%2].base+"/v1/agents/run", key, run); status != 202 {
			t.Fatalf("run %d: %d %s", i+1, status, body)
		}
	}
	for _, in := range fleet {
		if status, body := call("POST", in.base+"/v1/agents/run", key, run); status != 429 || !bytes.Contains(body, []byte("rate_limit_exceeded")) {
			t.Fatalf("a fifth run: %d %s", status, body)
		}
	}
	other, _ := fleetUser(fleet[1], "bo", "roomy")
	if status, body := call("POST", fleet[1].base+"/v1/agents/run", other, run); status != 202 {
		t.Fatalf("another account's run: %d %s", status, body)
	}
}

// A sidecar must not fail to start, nor its app with it, because Redis is
// away: it starts, answers what needs no spending, refuses what would
// spend with 503 store_unavailable, and takes up the fleet when Redis
// comes.
func TestAGatewayStartsWhileItsRedisIsAway(t *testing.T) {
	if redisServer == nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	away, err := redistest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	away.Stop()
	defer away.Stop()
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "ok"})
	in := newInstance(t)
	in.providers = fmt.Sprintf(`provider openai {
			api_key test-key
			base_url %s/v1
		}
		fleet {
			redis %s
		}`, fake.URL, away.URL())
	in.writeConfig(testDocs)
	in.start() // /v1/ping answers
	status, body := call("POST", in.base+"/v1/llm", "kn_live_"+strings.Repeat("a", 32), `{"prompt":"hi","provider":"openai"}`)
	if status != 503 || !bytes.Contains(body, []byte("store_unavailable")) {
		t.Fatalf("a call with Redis away: %d %s", status, body)
	}
	metrics := func() []byte {
		_, m := call("GET", "http://"+in.adminAddr+"/metrics", "", "")
		return m
	}
	if !bytes.Contains(metrics(), []byte("kaine_fleet_up 0")) {
		t.Error("/metrics does not say the fleet store is down")
	}
	if !strings.Contains(in.log.String(), "the fleet's Redis cannot be reached") {
		t.Error("the log does not say Redis is away")
	}

	if err := away.Restart(); err != nil {
		t.Fatal(err)
	}
	within(t, 3*time.Second, "the gateway finds Redis", func() bool { return bytes.Contains(metrics(), []byte("kaine_fleet_up 1")) })
	key, _ := fleetUser(in, "ada", "developer")
	if status, body := call("POST", in.base+"/v1/llm", key, `{"prompt":"hi","provider":"openai"}`); status != 200 {
		t.Fatalf("a call once Redis came: %d %s", status, body)
	}
}
