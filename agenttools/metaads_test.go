package agenttools

import (
	"context"
	"strings"
	"testing"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/metaads"
	"github.com/keinetech/kaine/outbox"
)

// fakeAdAccounts gives account 1 an ad account whose calls answer as set.
type fakeAdAccounts struct{ client *fakeAdClient }

func (f fakeAdAccounts) Client(account uint64) MetaAdsClient {
	if account != 1 {
		return nil
	}
	return f.client
}

func (fakeAdAccounts) AdAccount(uint64) string { return "act_42" }

type fakeAdClient struct {
	drafts []metaads.Draft
	err    error
}

func (c *fakeAdClient) DraftCampaign(_ context.Context, d metaads.Draft) (metaads.Drafted, []metaads.Exchange, error) {
	c.drafts = append(c.drafts, d)
	x := metaads.Exchange{Method: "POST", Path: "/v24.0/act_42/campaigns", Asked: "name=" + d.Name, Status: 200, Answer: `{"id":"9"}`}
	if c.err != nil {
		x.Status, x.Answer = 400, `{"error":{"code":190}}`
		return metaads.Drafted{}, []metaads.Exchange{x}, c.err
	}
	return metaads.Drafted{CampaignID: "9", AdSetID: "8", CreativeID: "7", AdID: "6", Status: "PAUSED"}, []metaads.Exchange{x}, nil
}

func (c *fakeAdClient) Campaigns(context.Context, int) ([]metaads.Campaign, metaads.Exchange, error) {
	return nil, metaads.Exchange{Method: "GET", Path: "/v24.0/act_42/campaigns", Status: 200, Answer: `{"data":[]}`}, nil
}

func (c *fakeAdClient) Insights(context.Context, string, string, string) ([]metaads.DayInsights, metaads.Exchange, error) {
	return []metaads.DayInsights{{Date: "2026-12-01", Impressions: 100, Clicks: 5, SpendUSD: "3.20", Leads: 1}},
		metaads.Exchange{Method: "GET", Path: "/v24.0/9/insights", Status: 200}, nil
}

const draftInput = `{"name":"Deep clean","objective":"OUTCOME_LEADS","daily_budget_usd":12.5,"countries":["PT"],"link":"https://kaine.example/files/p/1","message":"Book a deep clean.","headline":"Deep clean"}`

func TestMetaToolsDraftPausedAndRecordEveryCall(t *testing.T) {
	s := newStores(t)
	client := &fakeAdClient{}
	d := s.deps()
	d.MetaAds = fakeAdAccounts{client}
	env := agents.Env{Account: 1, RunID: 3, Agent: "meta_ads_agent"}
	out := mustRun(t, d, "meta_ads_draft_campaign", env, draftInput)
	if out != `{"campaign_id":"9","ad_set_id":"8","creative_id":"7","ad_id":"6","status":"PAUSED"}` || client.drafts[0].DailyBudgetCents != 1250 {
		t.Fatalf("draft: %s, %+v", out, client.drafts)
	}
	if out := mustRun(t, d, "meta_ads_insights", env, `{"campaign_id":"9","since":"2026-12-01","until":"2026-12-01"}`); !strings.Contains(out, `"leads":1`) {
		t.Fatalf("insights: %s", out)
	}
	got, _ := s.outbox.List(1, 10)
	if len(got) != 2 || got[1].Channel != outbox.ChannelMetaAds || got[1].To != "act_42" || got[1].Status != outbox.StatusSent ||
		!strings.Contains(got[1].Body, "asked: name=Deep clean") || got[1].RunID != 3 || got[1].Agent != "meta_ads_agent" {
		t.Fatalf("recorded %+v", got)
	}
	client.err = &metaads.Error{Status: 400, Code: 190, Message: "Session has expired"}
	wantError(t, d, "meta_ads_draft_campaign", env, draftInput, "access token has expired")
	if got, _ := s.outbox.List(1, 10); len(got) != 3 || got[0].Status != outbox.StatusFailed {
		t.Fatalf("a refused draft is recorded failed: %+v", got[0])
	}
	wantError(t, d, "meta_ads_draft_campaign", env, strings.Replace(draftInput, "12.5", "5000", 1), "daily_budget_usd")
	wantError(t, d, "meta_ads_insights", env, `{"campaign_id":"x9"}`, "numeric id")
}

func TestMetaToolsWithoutAnAdAccountDoNothing(t *testing.T) {
	s := newStores(t)
	d := s.deps()
	d.MetaAds = fakeAdAccounts{&fakeAdClient{}}
	env := agents.Env{Account: 2}
	for name, input := range map[string]string{"meta_ads_draft_campaign": draftInput, "meta_ads_campaigns": `{}`, "meta_ads_insights": `{"campaign_id":"9"}`} {
		if out := mustRun(t, d, name, env, input); !strings.HasPrefix(out, "NOT DONE") {
			t.Errorf("%s without an ad account: %s", name, out)
		}
	}
	got, _ := s.outbox.List(2, 10)
	if len(got) != 1 || got[0].Status != outbox.StatusQueuedUnconfigured || got[0].Channel != outbox.ChannelMetaAds {
		t.Fatalf("the draft not made is recorded: %+v", got)
	}
}
