package caddymodule

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/outbox/fakesmtp"
	"github.com/keinetech/kaine/outbox/faketwilio"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// agentCall is a model reply that calls one tool.
func agentCall(name, input string) fakeupstream.Reply {
	return fakeupstream.Reply{ToolCalls: []fakeupstream.ToolCall{{Name: name, Input: json.RawMessage(input)}},
		Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100}}
}

// agentSays is a model reply with text only: the agent's answer, or a
// critique's verdict.
func agentSays(text string) fakeupstream.Reply {
	return fakeupstream.Reply{Text: text, Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100}}
}

// agentCallCost is one scripted call on sonnet, the agents' first choice:
// 1,000 × $2 + 100 × $10 per million.
const agentCallCost = 0.003

func verdict(v, critique string) fakeupstream.Reply {
	return agentSays(fmt.Sprintf(`{"verdict":%q,"critique":%q}`, v, critique))
}

func (g *gateway) runAgent(key, body string) (int, gjson.Result) {
	g.t.Helper()
	status, _, data := g.doRaw("POST", "/v1/agents/run", key, body)
	return status, gjson.ParseBytes(data)
}

func TestAgentCatalogListsEighteenWithoutPrompts(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("angel", "read")
	status, _, data := g.doRaw("GET", "/v1/agents", k.Key, "")
	answer := gjson.ParseBytes(data)
	if status != 200 || answer.Get("count").Int() != 18 || len(answer.Get("agents").Array()) != 18 || strings.Contains(string(data), "system_prompt") {
		t.Fatalf("%d %s", status, data)
	}
	crm := answer.Get(`agents.#(name=="lead_crm_agent")`)
	if crm.Raw != `{"name":"lead_crm_agent","description":"Automatically follows up with new leads via email and SMS until they book","allowed_tools":["crm_update","send_email","send_sms","send_booking_link"],"complexity_tier":"standard","use_extended_thinking":false}` {
		t.Fatalf("lead_crm_agent: %s", crm.Raw)
	}
	for _, name := range []string{"lead_hunter_agent", "workflow_agent", "voice_phone_agent", "meta_ads_agent", "knowledge_librarian_agent"} {
		if !answer.Get(`agents.#(name=="` + name + `")`).Exists() {
			t.Errorf("%s is missing", name)
		}
	}
}

// The first scenario end to end: a lead_crm_agent run reads a
// lead, moves it on and queues an email (no SMTP is configured); the
// steps, the CRM, the outbox and the bill all show it.
func TestLeadCRMAgentUpdatesTheLeadQueuesTheEmailAndIsBilled(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	if status, _, data := g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana Lima","email":"ana@example.com"}`); status != 201 {
		t.Fatalf("lead: %d %s", status, data)
	}
	u.anthropic.Enqueue(
		agentCall("crm_update", `{"lead_id":1,"status":"contacted","append_note":"Followed up about the quote."}`),
		agentCall("send_email", `{"lead_id":1,"subject":"Your quote","body":"Hi Ana, here is your quote."}`),
		agentSays("Ana is marked contacted; the follow-up email is queued, not sent, as no email connector is configured."),
		verdict("accept", "The result matches the goal and reports the email truthfully."),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Follow up with lead 1 about her quote."}`)
	if status != 200 || !run.Get("ok").Bool() || run.Get("status").Str != "completed" || run.Get("run_id").Int() != 1 ||
		run.Get("steps").Int() != 4 || run.Get("agent_name").Str != "lead_crm_agent" || !strings.Contains(run.Get("summary").Str, "queued") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	calls := run.Get("tool_calls").Array()
	if len(calls) != 2 || calls[0].Get("name").Str != "crm_update" || !strings.Contains(calls[0].Get("output").Str, `"status":"contacted"`) ||
		calls[1].Get("name").Str != "send_email" || !strings.HasPrefix(calls[1].Get("output").Str, "QUEUED, NOT SENT") {
		t.Fatalf("tool calls %s", run.Get("tool_calls").Raw)
	}
	if got := run.Get("cost_usd").Float(); got != 4*agentCallCost {
		t.Fatalf("cost_usd %v, want 4 calls of $%v", got, agentCallCost)
	}

	// Only the agent's own tools were offered, in Anthropic's format.
	first := gjson.ParseBytes(u.anthropic.Bodies("anthropic")[0])
	var offered []string
	for _, tool := range first.Get("tools").Array() {
		offered = append(offered, tool.Get("name").Str)
	}
	if strings.Join(offered, ",") != "crm_update,send_email,send_sms,send_booking_link" || !strings.Contains(first.Get("messages.0.content").Raw, "Follow up with lead 1") {
		t.Fatalf("offered %v in %s", offered, first.Raw)
	}

	_, _, data := g.doRaw("GET", "/v1/leads", k.Key, "")
	if lead := gjson.GetBytes(data, "leads.0"); lead.Get("status").Str != "contacted" || !strings.Contains(lead.Get("notes").Str, "Followed up") {
		t.Fatalf("lead after the run: %s", data)
	}
	_, _, data = g.doRaw("GET", "/v1/outbox", k.Key, "")
	out := gjson.ParseBytes(data)
	if out.Get("count").Int() != 1 || out.Get("messages.0.status").Str != "queued_unconfigured" || out.Get("messages.0.to").Str != "ana@example.com" ||
		out.Get("messages.0.channel").Str != "email" || out.Get("messages.0.run_id").Int() != 1 || out.Get("messages.0.agent_name").Str != "lead_crm_agent" {
		t.Fatalf("outbox %s", data)
	}
	if rec := g.lastRecord(k.UserID, 4, "/v1/agents/run"); rec.Status != 200 || rec.Cost != 12000 || rec.Provider != "anthropic" || rec.TokensIn != 4000 {
		t.Fatalf("audit record %+v", rec)
	}
	_, _, data = g.doRaw("GET", "/v1/usage", k.Key, "")
	if used := gjson.GetBytes(data, "status.used_usd").Float(); used != 4*agentCallCost {
		t.Fatalf("usage %s", data)
	}

	// The run is kept, step by step, and shows in the account's workflows.
	_, _, data = g.doRaw("GET", "/v1/agents/runs/1", k.Key, "")
	stored := gjson.ParseBytes(data)
	if stored.Get("goal").Str != "Follow up with lead 1 about her quote." || len(stored.Get("history").Array()) != 4 ||
		stored.Get("critiques.0.verdict").Str != "accept" || stored.Get("cost_usd").Float() != 4*agentCallCost {
		t.Fatalf("stored run %s", data)
	}
	_, _, data = g.doRaw("GET", "/v1/workflows", k.Key, "")
	if run := gjson.GetBytes(data, `workflows.#(id=="run_1")`); run.Get("source").Str != "kaine" || run.Get("status").Str != "success" || run.Get("name").Str != "agent lead_crm_agent" {
		t.Fatalf("workflows %s", data)
	}
}

func TestAgentToolsOutsideTheCatalogAreRefused(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana","email":"ana@example.com"}`)
	u.anthropic.Enqueue(
		agentCall("crm_add_lead", `{"name":"Mallory","email":"m@evil.example"}`), // not lead_crm_agent's
		agentSays("I could not add the lead."),
		verdict("accept", "ok"),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Add Mallory as a lead."}`)
	call := run.Get("tool_calls.0")
	if status != 200 || !call.Get("refused").Bool() || !strings.Contains(call.Get("error").Str, "may not use") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	// The model was told, as a failed tool result.
	second := gjson.ParseBytes(u.anthropic.Bodies("anthropic")[1])
	if result := second.Get(`messages.#.content.#(type=="tool_result")#`).String(); !strings.Contains(result, `"is_error":true`) {
		t.Fatalf("refusal not sent back: %s", second.Get("messages").Raw)
	}
	_, _, data := g.doRaw("GET", "/v1/leads", k.Key, "")
	if gjson.GetBytes(data, "count").Int() != 1 {
		t.Fatalf("a refused tool ran: %s", data)
	}
}

func TestAgentStepLimitStopsAModelThatNeverFinishes(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana","email":"ana@example.com"}`)
	u.anthropic.Default(agentCall("crm_update", `{"lead_id":1,"append_note":"again"}`))
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Keep going."}`)
	if status != 200 || run.Get("status").Str != "stopped_step_limit" || run.Get("steps").Int() != 8 || run.Get("cost_usd").Float() != 8*agentCallCost {
		t.Fatalf("%d %s", status, run.Raw)
	}
}

func TestAgentCritiqueSendsTheRunBackOnce(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Enqueue(
		agentSays("Done."),
		verdict("revise", "The goal asked for a booking link; none was sent."),
		agentSays("There is no booking link configured, so none could be sent."),
		verdict("revise", "Still no link."),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Send Ana a booking link."}`)
	if status != 200 || run.Get("status").Str != "completed" || !run.Get("revised").Bool() || run.Get("steps").Int() != 4 {
		t.Fatalf("%d %s", status, run.Raw)
	}
	third := gjson.ParseBytes(u.anthropic.Bodies("anthropic")[2])
	if !strings.Contains(third.Get("messages").Raw, "none was sent") {
		t.Fatalf("the critique did not reach the agent: %s", third.Get("messages").Raw)
	}
	if calls := u.anthropic.Calls(); calls != 4 {
		t.Fatalf("%d model calls; a second revise must not send the run back", calls)
	}
}

func TestAgentRunStopsCleanlyAtTheCap(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`tier developer {
			cap_usd 0.15
		}`))
	k := g.userWithKey("angel", "read", "write")
	g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana","email":"ana@example.com"}`)
	// The first call costs $0.06 (25,000 × $2 + 1,000 × $10 per million);
	// with it used, the next call's worst case (8,192 tokens out, $0.08
	// and its prompt) no longer fits under $0.15.
	expensive := agentCall("crm_update", `{"lead_id":1,"status":"contacted"}`)
	expensive.Usage = fakeupstream.Usage{InputTokens: 25000, OutputTokens: 1000}
	u.anthropic.Enqueue(expensive, agentSays("never reached"))
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Follow up with Ana."}`)
	if status != 200 || run.Get("status").Str != "stopped_cap" || run.Get("steps").Int() != 1 || run.Get("cost_usd").Float() != 0.06 ||
		run.Get("tool_calls.0.name").Str != "crm_update" {
		t.Fatalf("%d %s", status, run.Raw)
	}
	if u.anthropic.Calls() != 1 {
		t.Fatalf("%d model calls; the one past the cap must not be made", u.anthropic.Calls())
	}
	// What was done is kept.
	if _, _, data := g.doRaw("GET", "/v1/leads", k.Key, ""); gjson.GetBytes(data, "leads.0.status").Str != "contacted" {
		t.Fatalf("lead %s", data)
	}
	// A run that cannot make its first call is the cap's 429.
	status, run = g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Again."}`)
	if status != 429 || run.Get("detail.error").Str != "usage_cap_reached" {
		t.Fatalf("%d %s", status, run.Raw)
	}
}

// Account A's agent searches and changes leads with A's data only, and A's
// key sees none of B's runs, outbox or documents.
func TestAgentsNeverReachAnotherAccount(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	a := g.userWithKey("angel", "read", "write")
	b := g.userWithKey("bruno", "read", "write")
	g.doRaw("POST", "/v1/leads", b.Key, `{"name":"Bruno Secret","email":"secret@b.example"}`)
	g.doRaw("POST", "/v1/leads", b.Key, `{"name":"Bianca Secret","email":"bianca@b.example"}`)
	g.doRaw("POST", "/v1/knowledge", b.Key, `{"title":"B prices","text":"Secret wholesale prices."}`)
	u.anthropic.Enqueue(
		agentCall("crm_search", `{"query":"Secret"}`),
		agentCall("crm_update", `{"lead_id":2,"status":"booked"}`),
		agentCall("knowledge_search", `{"query":"wholesale prices"}`),
		agentSays("Nothing found."),
		verdict("accept", "ok"),
	)
	status, run := g.runAgent(a.Key, `{"agent_name":"lead_hunter_agent","goal":"Find the Secret leads."}`)
	if status != 200 {
		t.Fatalf("%d %s", status, run.Raw)
	}
	calls := run.Get("tool_calls").Array()
	if len(calls) != 3 || strings.Contains(calls[0].Get("output").Str, "Secret") || calls[1].Get("error").Str == "" ||
		strings.Contains(calls[2].Get("output").Str, "wholesale") {
		t.Fatalf("A's agent reached B's data: %s", run.Get("tool_calls").Raw)
	}
	if _, _, data := g.doRaw("GET", "/v1/leads", b.Key, ""); strings.Contains(string(data), "booked") {
		t.Fatalf("B's lead changed: %s", data)
	}
	for _, path := range []string{"/v1/agents/runs/1", "/v1/outbox", "/v1/knowledge", "/v1/knowledge/1", "/v1/knowledge?q=wholesale"} {
		status, _, data := g.doRaw("GET", path, b.Key, "")
		if path == "/v1/agents/runs/1" && status != 404 || strings.Contains(string(data), "lead_hunter_agent") {
			t.Errorf("B reads A's %s: %d %s", path, status, data)
		}
		status, _, data = g.doRaw("GET", path, a.Key, "")
		if strings.Contains(string(data), "Secret wholesale") || strings.Contains(string(data), "B prices") {
			t.Errorf("A reads B's %s: %d %s", path, status, data)
		}
	}
	if status, _, _ := g.doRaw("DELETE", "/v1/knowledge/1", a.Key, ""); status != 404 {
		t.Errorf("A deletes B's document: %d", status)
	}
}

func TestAsyncAgentRunAnswers202AndCanBeFollowed(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Enqueue(agentCall("send_sms", `{"to":"+15551234567","body":"Hi"}`),
		agentSays("Texted Ana (queued, not sent)."), verdict("accept", "ok"))
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Text Ana.","async":true}`)
	if status != 202 || run.Get("status").Str != "running" || run.Get("run_id").Int() != 1 {
		t.Fatalf("%d %s", status, run.Raw)
	}
	var final gjson.Result
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, _, data := g.doRaw("GET", "/v1/agents/runs/1", k.Key, "")
		if final = gjson.ParseBytes(data); final.Get("status").Str != "running" {
			break
		}
	}
	if final.Get("status").Str != "completed" || final.Get("tool_calls.0.name").Str != "send_sms" || final.Get("cost_usd").Float() != 3*agentCallCost {
		t.Fatalf("run %s", final.Raw)
	}
	// The run's end is audited under POST, apart from the GETs that followed it.
	log := activeApp(t).runtime.audit
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		log.Flush()
		recs, err := log.Query(k.UserID, "/v1/agents/runs/1", 100)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(recs, func(r metering.AuditRecord) bool { return r.Method == "POST" })
		if i >= 0 {
			if rec := recs[i]; rec.Cost != 3*3000 || rec.Status != 200 || rec.Provider != "anthropic" {
				t.Fatalf("the run's end audited as %+v", rec)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run's end was not audited: %+v", recs)
		}
	}
}

func TestAgentRunRefusesBadInput(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("angel", "read", "write")
	for _, tc := range []struct {
		body, code string
		status     int
	}{
		{`{}`, "missing_fields", 400},
		{`{"agent_name":"lead_crm_agent"}`, "missing_fields", 400},
		{`{"agent_name":"lead_crm_agent","goal":"   "}`, "missing_fields", 400},
		{`{"agent_name":"nope_agent","goal":"x"}`, "invalid_field", 400},
		{`{"agent_name":7,"goal":"x"}`, "invalid_field", 400},
		{`{"agent_name":"lead_crm_agent","goal":"` + strings.Repeat("x", 4001) + `"}`, "invalid_field", 400},
		{`{"agent_name":"lead_crm_agent","goal":"x","async":"yes"}`, "invalid_field", 400},
		{`[`, "invalid_json", 400},
	} {
		status, run := g.runAgent(k.Key, tc.body)
		if status != tc.status || run.Get("detail.error").Str != tc.code {
			t.Errorf("%.60s: %d %s", tc.body, status, run.Raw)
		}
	}
	if _, run := g.runAgent(k.Key, `{"agent_name":"nope_agent","goal":"x"}`); !strings.Contains(run.Get("detail.message").Str, "GET /v1/agents") {
		t.Errorf("an unknown agent's error does not name the catalog: %s", run.Raw)
	}
	if status, _, _ := g.doRaw("GET", "/v1/agents/runs/abc", k.Key, ""); status != 404 {
		t.Errorf("run abc: %d", status)
	}
	r := g.userWithKey("reader", "read")
	if status, run := g.runAgent(r.Key, `{"agent_name":"lead_crm_agent","goal":"x"}`); status != 403 {
		t.Errorf("a read key ran an agent: %d %s", status, run.Raw)
	}
}

// With connectors configured, messages go out and are recorded as sent;
// the catalog takes the operator's agents.
func TestAgentsConfigConnectorsAndCatalog(t *testing.T) {
	u := newUpstreams(t)
	mail, err := fakesmtp.Start(fakesmtp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	sms := faketwilio.New("AC123", "twilio-token")
	defer sms.Close()
	g := startGateway(t, u.providers(fmt.Sprintf(`agents {
			booking_url https://cal.example/acme
			accounts angel
			agent lead_crm_agent {
				description "Follows up with leads by email only"
				tools crm_update send_email
			}
			agent vip_agent {
				description "Looks after VIP customers"
				tools crm_search send_sms
				tier complex
				extended_thinking
				system_prompt "You look after VIP customers."
			}
			smtp {
				addr %s
				from "Acme <hello@acme.example>"
			}
			twilio {
				account_sid AC123
				auth_token twilio-token
				from +15550001111
				base_url %s
			}
		}`, mail.Addr(), sms.URL)))
	k := g.userWithKey("angel", "read", "write")

	_, _, data := g.doRaw("GET", "/v1/agents", k.Key, "")
	catalog := gjson.ParseBytes(data)
	if catalog.Get("count").Int() != 19 || catalog.Get(`agents.#(name=="lead_crm_agent").description`).Str != "Follows up with leads by email only" ||
		catalog.Get(`agents.#(name=="vip_agent").complexity_tier`).Str != "complex" {
		t.Fatalf("catalog %s", data)
	}

	g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana","email":"ana@example.com","phone":"+15552223333"}`)
	u.anthropic.Enqueue(
		agentCall("send_email", `{"lead_id":1,"subject":"Your quote","body":"Hi Ana"}`),
		agentSays("Emailed Ana."), verdict("accept", "ok"),
		agentCall("send_sms", `{"lead_id":1,"body":"Your table is ready"}`),
		agentSays("Texted Ana."), verdict("accept", "ok"),
	)
	if status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Email Ana."}`); status != 200 ||
		!strings.HasPrefix(run.Get("tool_calls.0.output").Str, "SENT") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	if status, run := g.runAgent(k.Key, `{"agent_name":"vip_agent","goal":"Text Ana."}`); status != 200 ||
		!strings.HasPrefix(run.Get("tool_calls.0.output").Str, "SENT") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	if got := mail.Messages(); len(got) != 1 || got[0].To[0] != "ana@example.com" || !strings.Contains(string(got[0].Data), "Subject: Your quote") {
		t.Fatalf("mail server got %+v", got)
	}
	if got := sms.Messages(); len(got) != 1 || got[0].To != "+15552223333" || got[0].Body != "Your table is ready" {
		t.Fatalf("twilio got %+v", got)
	}
	_, _, data = g.doRaw("GET", "/v1/outbox", k.Key, "")
	if out := gjson.ParseBytes(data); out.Get("count").Int() != 2 || out.Get("messages.0.status").Str != "sent" ||
		out.Get("messages.0.provider_id").Str == "" || out.Get("messages.1.status").Str != "sent" {
		t.Fatalf("outbox %s", data)
	}
	// The VIP agent asked for thinking: sent to Anthropic.
	if vip := gjson.ParseBytes(u.anthropic.Bodies("anthropic")[3]); vip.Get("thinking.type").Str == "" {
		t.Fatalf("no thinking requested for an extended_thinking agent: %s", vip.Raw)
	}
	// An account the operator did not name queues; the operator's SMTP is not its to use.
	other := g.userWithKey("bruno", "read", "write")
	u.anthropic.Enqueue(agentCall("send_email", `{"to":"x@example.com","subject":"Hi","body":"Hello"}`), agentSays("Queued."), verdict("accept", "ok"))
	if status, run := g.runAgent(other.Key, `{"agent_name":"lead_crm_agent","goal":"Email x."}`); status != 200 ||
		!strings.HasPrefix(run.Get("tool_calls.0.output").Str, "QUEUED, NOT SENT") || len(mail.Messages()) != 1 {
		t.Fatalf("%d %s; mail server got %d", status, run.Raw, len(mail.Messages()))
	}
}

func TestAgentsConfigRefusesWhatCannotWork(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`agents {
			agent x_agent {
				description "x"
				tools teleport
				system_prompt "x"
			}
		}`, `allows tool "teleport"`},
		{`agents {
			agent new_agent {
				description "no prompt"
				tools crm_search
			}
		}`, "system_prompt"},
		{`agents {
			booking_url ftp://x
		}`, "booking_url"},
		{`agents {
			accounts *
			twilio {
				account_sid AC1
			}
		}`, "twilio needs"},
		{`agents {
			smtp {
				addr smtp.example:587
				from a@example.com
			}
		}`, "accounts must name"},
		{`agents {
			smtp {
				host x
			}
		}`, `unrecognized setting "host"`},
		{`agents {
			fetch {
				allow intranet.example:8080
			}
		}`, "must be an IP address and port"},
		{`agents {
			fetch {
				max_bytes lots
			}
		}`, "not a positive number of bytes"},
		{`agents {
			web_search brave {
				api_key k
			}
		}`, "web_search needs price_usd"},
		{`agents {
			web_search google {
				api_key k
				price_usd 0.01
			}
		}`, "must be brave"},
		{`agents {
			web_search brave {
				price_usd 0.01
			}
		}`, "web_search needs api_key"},
		{`agents {
			meta_ads angel {
				ad_account act_123
				page_id 9
				access_token t
			}
		}`, "numeric id (without act_)"},
		{`agents {
			meta_ads angel {
				ad_account 123
				page_id 9
			}
		}`, "needs access_token"},
		{`agents {
			file /nonexistent/agents.json
		}`, "reading file"},
	} {
		err := loadConfig(t, tc.config)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n→ %v, want %q", tc.config, err, tc.want)
		}
	}
}

// loadConfig adapts and loads a config with the given kaine-block
// options, returning the adapter's or Caddy's refusal.
func loadConfig(t *testing.T, kaineOptions string) error {
	t.Helper()
	caddyfile := fmt.Sprintf(`{
	admin localhost:%d
	kaine {
		storage %s
		%s
	}
}
http://127.0.0.1:%d {
	kaine
}
`, freePort(t), filepath.Join(t.TempDir(), "kaine.db"), kaineOptions, freePort(t))
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		return err
	}
	t.Cleanup(func() { caddy.Stop() })
	return caddy.Load(cfg, true)
}

// An operator's Claude 5 model takes thinking without a budget, as its API
// demands: an agent with extended thinking gets {"type":"adaptive"}.
func TestOperatorModelWithAdaptiveThinking(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`model claude5 {
			provider anthropic
			id claude-opus-5-9
			input_usd 5
			output_usd 25
			adaptive_thinking
		}
		routing {
			default_route claude5
		}`))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Enqueue(agentSays("Planned."), verdict("accept", "ok"))
	if status, run := g.runAgent(k.Key, `{"agent_name":"workflow_agent","goal":"Plan a follow-up workflow."}`); status != 200 {
		t.Fatalf("%d %s", status, run.Raw)
	}
	first := gjson.ParseBytes(u.anthropic.Bodies("anthropic")[0])
	if first.Get("model").Str != "claude-opus-5-9" || first.Get("thinking.type").Str != "adaptive" || first.Get("thinking.budget_tokens").Exists() {
		t.Fatalf("request %s", first.Raw)
	}
}

// A landing page an agent makes is billed once: in the run's cost, in the
// ledger, and in the audit log under its own record, not again in the
// run's.
func TestAgentLandingPageIsBilledOnce(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers("files_dir "+filepath.Join(t.TempDir(), "files")))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Enqueue(
		agentCall("generate_landing_page", `{"business_name":"Friesian Construction","description":"Commercial construction in Salinas"}`),
		fakeupstream.Reply{Text: pageCopy, Usage: fakeupstream.Usage{InputTokens: 1500, OutputTokens: 400}}, // the page's copy: 7,000 µUSD
		agentSays("The page is live."),
		verdict("accept", "ok"),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"landing_page_agent","goal":"Make Friesian a landing page."}`)
	if status != 200 || run.Get("status").Str != "completed" || !strings.Contains(run.Get("tool_calls.0.output").Str, "friesian-construction.html") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	if got := run.Get("cost_usd").Float(); got != 3*agentCallCost+0.007 {
		t.Fatalf("run cost %v", got)
	}
	page := g.lastRecord(k.UserID, 2, "/v1/landing-pages")
	whole := g.lastRecord(k.UserID, 2, "/v1/agents/run")
	if page.Cost != 7000 || !strings.Contains(page.Note, "agent run 1") || whole.Cost != 9000 {
		t.Fatalf("audit: page %+v, run %+v", page, whole)
	}
	_, _, data := g.doRaw("GET", "/v1/usage", k.Key, "")
	if used := gjson.GetBytes(data, "status.used_usd").Float(); used != 0.016 {
		t.Fatalf("ledger %s, want $0.016 = the run's cost", data)
	}
}

// A run whose model calls fail says why, in the contract's error shape.
func TestFailedAgentRunSaysWhy(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	refused := fakeupstream.Reply{Status: 400, ErrorType: "invalid_request_error", ErrorMessage: "prompt is too long: 250000 tokens > 200000 maximum"}
	u.anthropic.Enqueue(refused)
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Follow up."}`)
	if status != 500 || run.Get("detail.error").Str != "provider_error" || !strings.Contains(run.Get("detail.message").Str, "prompt is too long") ||
		!strings.Contains(run.Get("detail.message").Str, "GET /v1/agents/runs/1") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	_, _, data := g.doRaw("GET", "/v1/agents/runs/1", k.Key, "")
	if stored := gjson.ParseBytes(data); stored.Get("status").Str != "failed" || !strings.Contains(stored.Get("error").Str, "prompt is too long") {
		t.Fatalf("stored run %s", data)
	}
}

// A model that names a recipient twice, by address and by lead, is obeyed
// when the two agree and told why not when they differ; the outbox shows
// only the message that went.
func TestAgentMessagingTakesToAndLeadIDWhenTheyAgree(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	if status, _, data := g.doRaw("POST", "/v1/leads", k.Key, `{"name":"Ana Lima","email":"ana@example.com"}`); status != 201 {
		t.Fatalf("lead: %d %s", status, data)
	}
	u.anthropic.Enqueue(
		agentCall("send_email", `{"to":"Ana@Example.com","lead_id":1,"subject":"Your quote","body":"Hi Ana."}`),
		agentCall("send_email", `{"to":"bo@example.com","lead_id":1,"subject":"Your quote","body":"Hi Bo."}`),
		agentSays("The email to Ana is queued; the one naming Bo was refused."),
		verdict("accept", "Reported truthfully."),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Email lead 1 her quote."}`)
	calls := run.Get("tool_calls").Array()
	if status != 200 || len(calls) != 2 {
		t.Fatalf("%d %s", status, run.Raw)
	}
	if out := calls[0].Get("output").Str; calls[0].Get("error").Str != "" || !strings.HasPrefix(out, "QUEUED, NOT SENT") {
		t.Fatalf("agreeing call: %s", calls[0].Raw)
	}
	if e := calls[1].Get("error").Str; !strings.Contains(e, `to "bo@example.com" and lead 1's email address "ana@example.com" differ`) {
		t.Fatalf("differing call: %s", calls[1].Raw)
	}
	_, _, data := g.doRaw("GET", "/v1/outbox", k.Key, "")
	if out := gjson.ParseBytes(data); out.Get("count").Int() != 1 || out.Get("messages.0.to").Str != "ana@example.com" {
		t.Fatalf("outbox %s", data)
	}
}

// A mail service on implicit TLS (SMTPS, port 465) that offers only AUTH
// LOGIN, behind a private CA: the email goes, over TLS, logged in.
func TestAgentsSendEmailOverImplicitTLSWithAUTHLOGIN(t *testing.T) {
	u := newUpstreams(t)
	mail, err := fakesmtp.Start(fakesmtp.Options{ImplicitTLS: true, AuthMechanisms: []string{"LOGIN"},
		Username: "hello@acme.example", Password: "smtp-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, mail.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_SMTP_PASSWORD", "smtp-secret")
	g := startGateway(t, u.providers(fmt.Sprintf(`agents {
			accounts angel
			smtp {
				addr %s
				tls implicit
				from "Acme <hello@acme.example>"
				username hello@acme.example
				password {env.TEST_SMTP_PASSWORD}
				ca_file %s
			}
		}`, mail.Addr(), caFile)))
	k := g.userWithKey("angel", "read", "write")
	u.anthropic.Enqueue(
		agentCall("send_email", `{"to":"ana@example.com","subject":"Your quote","body":"Hi Ana"}`),
		agentSays("Emailed Ana."), verdict("accept", "ok"),
	)
	if status, run := g.runAgent(k.Key, `{"agent_name":"lead_crm_agent","goal":"Email Ana."}`); status != 200 ||
		!strings.HasPrefix(run.Get("tool_calls.0.output").Str, "SENT") {
		t.Fatalf("%d %s", status, run.Raw)
	}
	got := mail.Messages()
	if len(got) != 1 || !got[0].TLS || got[0].Mechanism != "LOGIN" || got[0].To[0] != "ana@example.com" {
		t.Fatalf("mail server got %+v", got)
	}
}

func TestSMTPTLSDefaultsToImplicitOnPort465(t *testing.T) {
	for _, c := range []struct {
		tls, addr string
		implicit  bool
	}{
		{"", "smtp.example.com:465", true},
		{"", "smtp.example.com:587", false},
		{"starttls", "smtp.example.com:465", false},
		{"implicit", "smtp.example.com:2465", true},
	} {
		if got := (&SMTP{TLS: c.tls}).implicitTLS(c.addr); got != c.implicit {
			t.Errorf("tls %q at %s: implicit %v, want %v", c.tls, c.addr, got, c.implicit)
		}
	}
	if err := (&Agents{SMTP: &SMTP{Addr: "a:25", From: "x@y.z", TLS: "ssl"}, Accounts: []string{"*"}}).validate(); err == nil ||
		!strings.Contains(err.Error(), `tls "ssl" must be implicit or starttls`) {
		t.Fatalf("tls ssl: %v", err)
	}
}
