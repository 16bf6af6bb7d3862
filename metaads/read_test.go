package metaads_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/keinetech/kaine/metaads"
	"github.com/keinetech/kaine/metaads/fakegraph"
)

func TestCampaignsListsNewestFirstUpToLimit(t *testing.T) {
	client, fake := newClient(t)
	fake.AddCampaign("Winter", "OUTCOME_TRAFFIC", "ACTIVE", "1500")
	drafted, _, err := client.DraftCampaign(context.Background(), leadsDraft())
	if err != nil {
		t.Fatal(err)
	}
	fake.AddCampaign("Autumn", "OUTCOME_LEADS", "ARCHIVED", "")

	campaigns, ex, err := client.Campaigns(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []metaads.Campaign{
		{ID: fake.Campaigns()[2].ID, Name: "Autumn", Status: "ARCHIVED", Objective: "OUTCOME_LEADS"},
		{ID: drafted.CampaignID, Name: "Spring roofs", Status: "PAUSED", Objective: "OUTCOME_LEADS"},
	}
	if !slices.Equal(campaigns, want) {
		t.Errorf("campaigns %+v, want %+v", campaigns, want)
	}
	asked, err := url.ParseQuery(ex.Asked)
	if err != nil || ex.Method != "GET" || ex.Path != "/v21.0/act_1234567890/campaigns" ||
		asked.Get("fields") != "id,name,status,objective,daily_budget" || asked.Get("limit") != "2" || ex.Status != 200 {
		t.Errorf("exchange %+v", ex)
	}
	assertNoToken(t, fake.Token, []metaads.Exchange{ex})

	all, _, err := client.Campaigns(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[2].Name != "Winter" || all[2].DailyBudgetCents != 1500 {
		t.Errorf("all campaigns %+v", all)
	}
}

func TestInsightsByDayWithLeads(t *testing.T) {
	client, fake := newClient(t)
	drafted, _, err := client.DraftCampaign(context.Background(), leadsDraft())
	if err != nil {
		t.Fatal(err)
	}
	fake.SetInsights(drafted.CampaignID,
		fakegraph.Day{Date: "2025-03-31", Impressions: 900, Clicks: 9, Spend: "4.10", Leads: 1},
		fakegraph.Day{Date: "2025-04-01", Impressions: 1200, Clicks: 31, Spend: "12.34", Leads: 3},
		fakegraph.Day{Date: "2025-04-02", Impressions: 800, Clicks: 12, Spend: "9.01"},
		fakegraph.Day{Date: "2025-04-03", Impressions: 700, Clicks: 10, Spend: "8.00", Leads: 2},
	)

	days, ex, err := client.Insights(context.Background(), drafted.CampaignID, "2025-04-01", "2025-04-02")
	if err != nil {
		t.Fatal(err)
	}
	want := []metaads.DayInsights{
		{Date: "2025-04-01", Impressions: 1200, Clicks: 31, SpendUSD: "12.34", Leads: 3},
		{Date: "2025-04-02", Impressions: 800, Clicks: 12, SpendUSD: "9.01"},
	}
	if !slices.Equal(days, want) {
		t.Errorf("days %+v, want %+v", days, want)
	}
	asked, err := url.ParseQuery(ex.Asked)
	if err != nil || ex.Path != "/v21.0/"+drafted.CampaignID+"/insights" || asked.Get("time_increment") != "1" ||
		asked.Get("time_range") != `{"since":"2025-04-01","until":"2025-04-02"}` || asked.Get("limit") != "2" ||
		asked.Get("fields") != "impressions,clicks,spend,actions" {
		t.Errorf("exchange %+v", ex)
	}
	assertNoToken(t, fake.Token, []metaads.Exchange{ex})
}

func TestInsightsRefusesABackwardRange(t *testing.T) {
	client, fake := newClient(t)
	if _, _, err := client.Insights(context.Background(), "1", "2025-04-02", "2025-04-01"); err == nil {
		t.Error("a backward range was asked")
	}
	if len(fake.Requests()) != 0 {
		t.Error("a request was sent for a backward range")
	}
}

func TestReadErrorsMapToTheirKind(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(*fakegraph.Server)
		read    func(*metaads.Client) (metaads.Exchange, error)
		check   func(*metaads.Error) bool
	}{
		{"campaigns with an expired token", (*fakegraph.Server).ExpireToken, listOne, (*metaads.Error).Expired},
		{"campaigns rate limited", func(s *fakegraph.Server) { s.RateLimit(17) }, listOne, (*metaads.Error).RateLimited},
		{"insights of an unknown campaign", func(*fakegraph.Server) {}, func(c *metaads.Client) (metaads.Exchange, error) {
			_, ex, err := c.Insights(context.Background(), "999", "2025-04-01", "2025-04-01")
			return ex, err
		}, (*metaads.Error).Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, fake := newClient(t)
			tt.arrange(fake)
			ex, err := tt.read(client)
			var merr *metaads.Error
			if !errors.As(err, &merr) || !tt.check(merr) {
				t.Fatalf("error %v is not the expected *metaads.Error", err)
			}
			if ex.Status != 400 || ex.Answer == "" {
				t.Errorf("exchange %+v", ex)
			}
			assertNoToken(t, fake.Token, []metaads.Exchange{ex})
		})
	}
}

func listOne(c *metaads.Client) (metaads.Exchange, error) {
	_, ex, err := c.Campaigns(context.Background(), 1)
	return ex, err
}

func TestWrongTokenIsExpired(t *testing.T) {
	fake := fakegraph.New()
	t.Cleanup(fake.Close)
	client := metaads.New(metaads.Account{BaseURL: fake.URL, Version: fake.Version, AdAccount: fake.AdAccount, Token: "stolen"}, nil)
	_, _, err := client.Campaigns(context.Background(), 1)
	var merr *metaads.Error
	if !errors.As(err, &merr) || !merr.Expired() || merr.Subcode != 463 {
		t.Fatalf("error %v, want code 190/463", err)
	}
}

func TestNoAnswerRecordsStatusZero(t *testing.T) {
	fake := fakegraph.New()
	closedURL := fake.URL
	fake.Close()
	client := metaads.New(metaads.Account{BaseURL: closedURL, Version: "v21.0", AdAccount: "1", Token: "t"}, nil)
	_, ex, err := client.Campaigns(context.Background(), 1)
	if err == nil || ex.Status != 0 || ex.Path != "/v21.0/act_1/campaigns" {
		t.Errorf("err %v, exchange %+v", err, ex)
	}
}
