package caddymodule

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/metaads/fakegraph"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// meta_ads_agent makes a landing page, drafts a PAUSED campaign linking to
// it in the account's ad account on the fake Graph API, and reads its
// insights; every call to Meta is in the account's outbox, never the
// token. An account without an ad account is answered that nothing was
// done, and a token Meta no longer takes is told as such.
func TestMetaAdsAgentDraftsAPausedCampaignAndReadsInsights(t *testing.T) {
	graph := fakegraph.New()
	defer graph.Close()
	u := newUpstreams(t)
	g := startGateway(t, u.providers(fmt.Sprintf(`files_dir %s
		agents {
			meta_ads marketer {
				ad_account %s
				page_id 1122334455
				access_token %s
				graph_version %s
				base_url %s
			}
		}`, filepath.Join(t.TempDir(), "files"), graph.AdAccount, graph.Token, graph.Version, graph.URL)))
	k := g.userWithKey("marketer", "read", "write")
	pageURL := "http://localhost:8080/files/friesian-construction.html" // public_url + the page's file
	draft := `{"name":"Friesian — December","objective":"OUTCOME_LEADS","daily_budget_usd":20,"countries":["US"],` +
		`"link":"` + pageURL + `","message":"Commercial builds in Salinas, on time.","headline":"Built right"}`
	u.anthropic.Enqueue(
		agentCall("generate_landing_page", `{"business_name":"Friesian Construction","description":"Commercial construction in Salinas"}`),
		fakeupstream.Reply{Text: pageCopy, Usage: fakeupstream.Usage{InputTokens: 1500, OutputTokens: 400}},
		agentCall("meta_ads_draft_campaign", draft),
		agentCall("meta_ads_campaigns", `{}`),
		agentSays("Drafted the campaign, paused for your approval."),
		verdict("accept", "Reported as paused."),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"meta_ads_agent","goal":"Draft a December campaign for Friesian's new page."}`)
	calls := run.Get("tool_calls").Array()
	if status != 200 || len(calls) != 3 || !strings.Contains(calls[0].Get("output").Str, pageURL) {
		t.Fatalf("%d %s", status, run.Raw)
	}
	drafted := gjson.Parse(calls[1].Get("output").Str)
	if drafted.Get("status").Str != "PAUSED" || drafted.Get("campaign_id").Str == "" {
		t.Fatalf("draft: %s", calls[1].Raw)
	}
	campaigns, ads, creatives := graph.Campaigns(), graph.Ads(), graph.Creatives()
	if len(campaigns) != 1 || campaigns[0].Status != "PAUSED" || len(ads) != 1 || ads[0].Status != "PAUSED" ||
		len(creatives) != 1 || creatives[0].Link != pageURL || creatives[0].PageID != "1122334455" {
		t.Fatalf("on Meta: %+v %+v %+v", campaigns, ads, creatives)
	}
	if listed := gjson.Parse(calls[2].Get("output").Str); listed.Get("campaigns.0.id").Str != campaigns[0].ID || listed.Get("campaigns.0.status").Str != "PAUSED" {
		t.Fatalf("campaigns: %s", calls[2].Raw)
	}

	// Its results, read by day.
	graph.SetInsights(campaigns[0].ID, fakegraph.Day{Date: "2026-12-01", Impressions: 1200, Clicks: 48, Spend: "19.80", Leads: 3})
	u.anthropic.Enqueue(
		agentCall("meta_ads_insights", `{"campaign_id":"`+campaigns[0].ID+`","since":"2026-12-01","until":"2026-12-01"}`),
		agentSays("1,200 impressions, 48 clicks, $19.80, 3 leads."),
		verdict("accept", "As Meta gave them."),
	)
	_, run = g.runAgent(k.Key, `{"agent_name":"meta_ads_agent","goal":"How did the December campaign do on Dec 1?"}`)
	days := gjson.Parse(run.Get("tool_calls.0.output").Str).Get("days.0")
	if days.Get("impressions").Int() != 1200 || days.Get("clicks").Int() != 48 || days.Get("spend").Str != "19.80" || days.Get("leads").Int() != 3 {
		t.Fatalf("insights: %s", run.Get("tool_calls.0").Raw)
	}

	// Every call to Meta is in the outbox, without the token.
	_, _, data := g.doRaw("GET", "/v1/outbox?limit=50", k.Key, "")
	out := gjson.ParseBytes(data)
	if n := len(out.Get(`messages.#(channel=="meta_ads")#`).Array()); n != 6 || strings.Contains(string(data), graph.Token) {
		t.Fatalf("outbox: %d meta_ads records (want 4 creates, a list, the insights) %s", n, data)
	}

	// An expired token: the agent is told the operator must renew it.
	graph.ExpireToken()
	u.anthropic.Enqueue(agentCall("meta_ads_campaigns", `{}`), agentSays("The token expired."), verdict("accept", "ok"))
	_, run = g.runAgent(k.Key, `{"agent_name":"meta_ads_agent","goal":"List my campaigns."}`)
	if e := run.Get("tool_calls.0.error").Str; !strings.Contains(e, "access token has expired") {
		t.Fatalf("expired token: %s", run.Get("tool_calls.0").Raw)
	}

	// Another account, without an ad account: nothing is done.
	other := g.userWithKey("stranger", "read", "write")
	u.anthropic.Enqueue(agentCall("meta_ads_draft_campaign", draft), agentSays("No ad account."), verdict("accept", "ok"))
	_, run = g.runAgent(other.Key, `{"agent_name":"meta_ads_agent","goal":"Draft a campaign."}`)
	if out := run.Get("tool_calls.0.output").Str; !strings.HasPrefix(out, "NOT DONE") || len(graph.Campaigns()) != 1 {
		t.Fatalf("without an ad account: %s; campaigns on Meta %d", run.Get("tool_calls.0").Raw, len(graph.Campaigns()))
	}
}
