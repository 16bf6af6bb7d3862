package caddymodule

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// reporting_agent reads the account's own numbers: its usage window as
// GET /v1/usage shows it, its audited calls summed, and its pipeline.
func TestReportingAgentReadsTheAccountsOwnNumbers(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("owner", "read", "write")
	other := g.userWithKey("neighbour", "read", "write")
	u.openai.Default(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 1800, OutputTokens: 1400}})
	for _, key := range []string{k.Key, k.Key, other.Key} {
		if status, _, _, raw := g.llm(key, map[string]any{"prompt": "Hi", "provider": "openai", "max_tokens": 1500}); status != 200 {
			t.Fatalf("%d %s", status, raw)
		}
	}
	for _, lead := range []string{`{"name":"Ana","email":"ana@example.com","source":"ads"}`, `{"name":"Bo","email":"bo@example.com"}`} {
		if status, _, data := g.doRaw("POST", "/v1/leads", k.Key, lead); status != 201 {
			t.Fatalf("lead: %d %s", status, data)
		}
	}
	g.waitForRecords(k.UserID, 4) // two calls, two leads
	_, _, before := g.doRaw("GET", "/v1/usage?group_by=endpoint", k.Key, "")
	llmCost := gjson.GetBytes(before, `breakdown.groups.#(key=="/v1/llm").cost_usd`).Float()
	if llmCost == 0 {
		t.Fatalf("usage before the run: %s", before)
	}

	u.anthropic.Enqueue(
		agentCall("account_usage", `{}`),
		agentCall("audit_summary", `{"group_by":"endpoint"}`),
		agentCall("crm_pipeline", `{}`),
		agentSays("Two leads, one from ads; two model calls this month."),
		verdict("accept", "Every figure traces to a tool."),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"reporting_agent","goal":"Report this month's pipeline and AI spending."}`)
	if status != 200 || run.Get("status").Str != "completed" {
		t.Fatalf("%d %s", status, run.Raw)
	}
	calls := run.Get("tool_calls").Array()
	if len(calls) != 3 {
		t.Fatalf("tool calls %s", run.Get("tool_calls").Raw)
	}
	// The window as it stood when the tool ran: the two calls and the
	// run's first model call.
	usage := gjson.Parse(calls[0].Get("output").Str)
	if got, want := usage.Get("status.used_usd").Float(), llmCost+agentCallCost; !near(got, want) || usage.Get("status.tier").Str != "developer" {
		t.Fatalf("account_usage %s, want used_usd %v", calls[0].Get("output").Str, want)
	}
	// Two calls: the neighbour's third is not the account's.
	totals := gjson.Parse(calls[1].Get("output").Str)
	if got := totals.Get(`groups.#(key=="/v1/llm")`); got.Get("calls").Int() != 2 || !near(got.Get("cost_usd").Float(), llmCost) {
		t.Fatalf("audit_summary %s", calls[1].Get("output").Str)
	}
	pipeline := gjson.Parse(calls[2].Get("output").Str)
	if pipeline.Get("total").Int() != 2 || pipeline.Get("by_source.ads").Int() != 1 || pipeline.Get("by_status.new").Int() != 2 {
		t.Fatalf("crm_pipeline %s", calls[2].Get("output").Str)
	}
	// After the run, GET /v1/usage counts the same calls and the run's.
	_, _, after := g.doRaw("GET", "/v1/usage", k.Key, "")
	if got, want := gjson.GetBytes(after, "status.used_usd").Float(), llmCost+run.Get("cost_usd").Float(); !near(got, want) {
		t.Fatalf("usage after the run %s, want %v", after, want)
	}
}

// near compares two dollar figures read as floats.
func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
