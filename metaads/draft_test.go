package metaads_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/keinetech/kaine/metaads"
	"github.com/keinetech/kaine/metaads/fakegraph"
)

const pageID = "555000111"

func newClient(t *testing.T) (*metaads.Client, *fakegraph.Server) {
	t.Helper()
	fake := fakegraph.New()
	t.Cleanup(fake.Close)
	client := metaads.New(metaads.Account{
		BaseURL:   fake.URL,
		Version:   fake.Version,
		AdAccount: fake.AdAccount,
		PageID:    pageID,
		Token:     fake.Token,
	}, nil)
	return client, fake
}

func leadsDraft() metaads.Draft {
	return metaads.Draft{
		Name:             "Spring roofs",
		Objective:        metaads.ObjectiveLeads,
		DailyBudgetCents: 2500,
		Countries:        []string{"US", "CA"},
		Link:             "https://kaine.example/l/spring-roofs",
		Message:          "A new roof before the rains.",
		Headline:         "Free roof check",
	}
}

// assertNoToken fails when the token shows anywhere in what is recorded.
func assertNoToken(t *testing.T, token string, exchanges []metaads.Exchange) {
	t.Helper()
	recorded, err := json.Marshal(exchanges)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(recorded), token) || strings.Contains(string(recorded), "access_token") {
		t.Errorf("the exchanges hold the token: %s", recorded)
	}
}

func TestDraftCampaignCreatesFourPausedLinkedObjects(t *testing.T) {
	client, fake := newClient(t)
	drafted, exchanges, err := client.DraftCampaign(context.Background(), leadsDraft())
	if err != nil {
		t.Fatal(err)
	}
	if drafted.Status != "PAUSED" {
		t.Errorf("status %q, want PAUSED", drafted.Status)
	}

	campaigns, adSets, creatives, ads := fake.Campaigns(), fake.AdSets(), fake.Creatives(), fake.Ads()
	if len(campaigns) != 1 || len(adSets) != 1 || len(creatives) != 1 || len(ads) != 1 {
		t.Fatalf("created %d campaigns, %d ad sets, %d creatives, %d ads; want one each", len(campaigns), len(adSets), len(creatives), len(ads))
	}
	campaign, adSet, creative, ad := campaigns[0], adSets[0], creatives[0], ads[0]
	if campaign.ID != drafted.CampaignID || adSet.ID != drafted.AdSetID || creative.ID != drafted.CreativeID || ad.ID != drafted.AdID {
		t.Errorf("drafted %+v does not name what was created", drafted)
	}
	for what, status := range map[string]string{"campaign": campaign.Status, "ad set": adSet.Status, "ad": ad.Status} {
		if status != "PAUSED" {
			t.Errorf("%s status %q, want PAUSED", what, status)
		}
	}
	if campaign.Objective != "OUTCOME_LEADS" || campaign.SpecialAdCategories == nil || len(campaign.SpecialAdCategories) != 0 {
		t.Errorf("campaign %+v", campaign)
	}
	if adSet.CampaignID != campaign.ID {
		t.Errorf("ad set's campaign %s, want %s", adSet.CampaignID, campaign.ID)
	}
	if adSet.DailyBudget != "2500" || adSet.BillingEvent != "IMPRESSIONS" || adSet.OptimizationGoal != "LINK_CLICKS" ||
		adSet.BidStrategy != "LOWEST_COST_WITHOUT_CAP" || !slices.Equal(adSet.Countries, []string{"US", "CA"}) {
		t.Errorf("ad set %+v", adSet)
	}
	want := fakegraph.Creative{ID: creative.ID, Name: "Spring roofs", PageID: pageID,
		Link: "https://kaine.example/l/spring-roofs", Message: "A new roof before the rains.", Headline: "Free roof check"}
	if creative != want {
		t.Errorf("creative %+v, want %+v", creative, want)
	}
	if ad.AdSetID != adSet.ID || ad.CreativeID != creative.ID {
		t.Errorf("ad %+v does not link ad set %s and creative %s", ad, adSet.ID, creative.ID)
	}

	wantPaths := []string{"/v21.0/act_1234567890/campaigns", "/v21.0/act_1234567890/adsets",
		"/v21.0/act_1234567890/adcreatives", "/v21.0/act_1234567890/ads"}
	if len(exchanges) != len(wantPaths) {
		t.Fatalf("%d exchanges, want %d", len(exchanges), len(wantPaths))
	}
	for i, ex := range exchanges {
		if ex.Method != "POST" || ex.Path != wantPaths[i] || ex.Status != 200 || !strings.Contains(ex.Answer, `"id"`) {
			t.Errorf("exchange %d: %+v", i, ex)
		}
	}
	asked, err := url.ParseQuery(exchanges[0].Asked)
	if err != nil || asked.Get("status") != "PAUSED" || asked.Get("special_ad_categories") != "[]" {
		t.Errorf("campaign asked %q", exchanges[0].Asked)
	}
	assertNoToken(t, fake.Token, exchanges)
	for _, r := range fake.Requests() {
		if r.Authorization != "Bearer "+fake.Token || r.Form.Has("access_token") || r.Query.Has("access_token") {
			t.Errorf("request %s %s carried the token other than in the header", r.Method, r.Path)
		}
	}
}

func TestDraftCampaignRefusesAnUnknownObjectiveWithoutCalling(t *testing.T) {
	client, fake := newClient(t)
	d := leadsDraft()
	d.Objective = "OUTCOME_SALES"
	_, exchanges, err := client.DraftCampaign(context.Background(), d)
	if err == nil || len(exchanges) != 0 || len(fake.Requests()) != 0 {
		t.Fatalf("err %v, %d exchanges, %d requests", err, len(exchanges), len(fake.Requests()))
	}
}

func TestDraftCampaignErrorsNameTheStepAndKeepTheExchanges(t *testing.T) {
	tests := []struct {
		name      string
		arrange   func(*fakegraph.Server)
		step      string
		exchanges int
		check     func(*metaads.Error) bool
	}{
		{"expired token", (*fakegraph.Server).ExpireToken, "creating the campaign", 1, (*metaads.Error).Expired},
		{"user rate limit", func(s *fakegraph.Server) { s.RateLimit(17) }, "creating the campaign", 1, (*metaads.Error).RateLimited},
		{"ads rate limit", func(s *fakegraph.Server) { s.RateLimit(80004) }, "creating the campaign", 1, (*metaads.Error).RateLimited},
		{"creative on policy", func(s *fakegraph.Server) { s.RejectCreatives(true) }, "creating the creative", 3, (*metaads.Error).Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, fake := newClient(t)
			tt.arrange(fake)
			drafted, exchanges, err := client.DraftCampaign(context.Background(), leadsDraft())
			if err == nil {
				t.Fatal("drafted despite the failure")
			}
			if !strings.Contains(err.Error(), tt.step) {
				t.Errorf("error %q does not name step %q", err, tt.step)
			}
			var merr *metaads.Error
			if !errors.As(err, &merr) || !tt.check(merr) {
				t.Fatalf("error %v is not the expected *metaads.Error", err)
			}
			if len(exchanges) != tt.exchanges {
				t.Fatalf("%d exchanges, want %d", len(exchanges), tt.exchanges)
			}
			last := exchanges[len(exchanges)-1]
			if last.Status != 400 || !strings.Contains(last.Answer, `"error"`) {
				t.Errorf("the failing exchange %+v", last)
			}
			assertNoToken(t, fake.Token, exchanges)
			if tt.exchanges == 3 && (drafted.CampaignID == "" || drafted.AdSetID == "" || drafted.CreativeID != "") {
				t.Errorf("drafted %+v should hold the campaign and ad set made before the creative failed", drafted)
			}
			if tt.exchanges == 3 && !strings.Contains(merr.Message, "Advertising Policies") {
				t.Errorf("message %q is not Meta's error_user_msg", merr.Message)
			}
			if tt.exchanges == 3 && len(fake.Ads()) != 0 {
				t.Error("an ad was created after the creative failed")
			}
		})
	}
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		err                            metaads.Error
		expired, rateLimited, rejected bool
	}{
		{metaads.Error{Status: 400, Code: 190, Subcode: 463}, true, false, false},
		{metaads.Error{Status: 400, Code: 4}, false, true, false},
		{metaads.Error{Status: 400, Code: 17}, false, true, false},
		{metaads.Error{Status: 400, Code: 32}, false, true, false},
		{metaads.Error{Status: 400, Code: 613}, false, true, false},
		{metaads.Error{Status: 400, Code: 80004}, false, true, false},
		{metaads.Error{Status: 400, Code: 100, Subcode: 1487390}, false, false, true},
		{metaads.Error{Status: 403, Code: 368}, false, false, true},
		{metaads.Error{Status: 400, Code: 2635}, false, false, true},
		{metaads.Error{Status: 500, Code: 2}, false, false, false},
	}
	for _, tt := range tests {
		if tt.err.Expired() != tt.expired || tt.err.RateLimited() != tt.rateLimited || tt.err.Rejected() != tt.rejected {
			t.Errorf("%v: expired %t rate limited %t rejected %t", &tt.err, tt.err.Expired(), tt.err.RateLimited(), tt.err.Rejected())
		}
	}
}
