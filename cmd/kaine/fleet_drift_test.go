package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// gpt-4.1-mini's price, by hand: $0.40 in and $1.60 out per million
// tokens, each call rounded up to the micro-dollar.
func priceByHand(u fakeupstream.Usage) money.MicroUSD {
	return money.MicroUSD((int64(u.InputTokens)*400_000 + int64(u.OutputTokens)*1_600_000 + 999_999) / 1_000_000)
}

// No drift: thousands of calls over three instances, some given up by
// their client before the provider answers, one instance stopped by
// SIGTERM and started again midway (a SIGKILL loses what the crash bound
// says; TestAKilledInstancesHoldsComeBackAfterTheirLease covers it). The
// ledger's total, the audit's and the provider's bill priced by hand are
// one figure.
func TestAFleetsLedgerAuditAndProviderBillAgree(t *testing.T) {
	const calls, accounts = 3000, 10
	fake := fakeupstream.New()
	defer fake.Close()
	replies := make([]fakeupstream.Reply, calls)
	for i := range replies {
		// Held back 40-80 ms: a client that gives up within 5 ms has gone
		// long before the provider answers, so the provider bills nothing.
		replies[i] = fakeupstream.Reply{Text: "ok", Delay: time.Duration(40+rand.IntN(40)) * time.Millisecond,
			Usage: fakeupstream.Usage{InputTokens: 1 + rand.IntN(8000), OutputTokens: 1 + rand.IntN(2000)}}
	}
	fake.Enqueue(replies...)
	fleet := startFleet(t, 3, fake)
	keys := make([]string, accounts)
	for i := range keys {
		keys[i], _ = fleetUser(fleet[i%3], fmt.Sprintf("drift%d", i), "roomy")
	}

	var next, answered, gaveUp, unreachable atomic.Int64
	var down atomic.Bool // instance 2, between its stop and its start
	var wg sync.WaitGroup
	for range 24 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < calls; i = next.Add(1) - 1 {
				in := fleet[rand.IntN(3)]
				if down.Load() && in == fleet[2] {
					in = fleet[i%2]
				}
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if rand.IntN(8) == 0 {
					ctx, cancel = context.WithTimeout(ctx, time.Duration(rand.IntN(5000))*time.Microsecond)
				}
				status := callWithin(ctx, in.base+"/v1/llm", keys[i%accounts], `{"prompt":"hi","provider":"openai","model":"gpt-4.1-mini"}`)
				cancel()
				switch {
				case status == 200:
					answered.Add(1)
				case ctx.Err() != nil:
					gaveUp.Add(1)
				case status == 0:
					unreachable.Add(1) // instance 2 going down
				default:
					t.Errorf("call %d: status %d", i, status)
				}
			}
		})
	}
	wg.Go(func() {
		for next.Load() < calls/3 {
			time.Sleep(10 * time.Millisecond)
		}
		down.Store(true)
		fleet[2].cmd.Process.Signal(syscall.SIGTERM)
		fleet[2].cmd.Wait()
		for next.Load() < 2*calls/3 {
			time.Sleep(10 * time.Millisecond)
		}
		fleet[2].start()
		down.Store(false)
	})
	wg.Wait()

	billed := fake.Billed()
	var bill money.MicroUSD
	for _, u := range billed {
		bill += priceByHand(u)
	}
	t.Logf("%d calls: %d answered, %d given up by their client, %d unreachable; the provider billed %d for $%s",
		calls, answered.Load(), gaveUp.Load(), unreachable.Load(), len(billed), bill)
	if gaveUp.Load() < calls/20 || int64(len(billed)) < answered.Load() {
		t.Fatalf("the load did not show: %d given up, %d billed of %d answered", gaveUp.Load(), len(billed), answered.Load())
	}
	var used, audited money.MicroUSD
	records := 0
	agree := func() bool {
		used, audited, records = 0, 0, 0
		for i, key := range keys {
			used += usedOf(fleet[i%3], key)
			cost, n := auditedCost(fleet[(i+1)%3], key)
			audited, records = audited+cost, records+n
		}
		return used == bill && audited == bill && records == len(billed)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !agree() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if used != bill || audited != bill || records != len(billed) {
		t.Fatalf("the provider billed %d calls for $%s; the ledger holds $%s, the audit %d records for $%s", len(billed), bill, used, records, audited)
	}
}

// callWithin posts body with key, giving up when ctx ends, and returns
// the status (0 when there is none).
func callWithin(ctx context.Context, url, key, body string) int {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var answer json.RawMessage
	if json.NewDecoder(resp.Body).Decode(&answer) != nil {
		return 0
	}
	return resp.StatusCode
}

func microUSD(usd float64) money.MicroUSD { return money.MicroUSD(math.Round(usd * 1e6)) }

func usedOf(in *instance, key string) money.MicroUSD {
	_, body := call("GET", in.base+"/v1/usage", key, "")
	var usage struct {
		Status struct {
			Used float64 `json:"used_usd"`
		} `json:"status"`
	}
	json.Unmarshal(body, &usage)
	return microUSD(usage.Status.Used)
}

// auditedCost sums the cost of an account's /v1/llm records (one page of
// up to 500) and counts those that cost something.
func auditedCost(in *instance, key string) (money.MicroUSD, int) {
	_, body := call("GET", in.base+"/v1/audit?limit=500&endpoint=/v1/llm", key, "")
	var page struct {
		Records []struct {
			Cost float64 `json:"cost_usd"`
		} `json:"records"`
	}
	json.Unmarshal(body, &page)
	var sum money.MicroUSD
	n := 0
	for _, r := range page.Records {
		if c := microUSD(r.Cost); c > 0 {
			sum, n = sum+c, n+1
		}
	}
	return sum, n
}
