package agenttools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/metaads"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/routing"
)

// MetaAds finds an account's Meta ad account.
type MetaAds interface {
	// Client is the account's ad account, nil when the operator gave it
	// none.
	Client(account uint64) MetaAdsClient
	// AdAccount names the account's ad account (act_<id>) for the record.
	AdAccount(account uint64) string
}

// MetaAdsClient is one ad account; *metaads.Client is one.
type MetaAdsClient interface {
	DraftCampaign(ctx context.Context, d metaads.Draft) (metaads.Drafted, []metaads.Exchange, error)
	Campaigns(ctx context.Context, limit int) ([]metaads.Campaign, metaads.Exchange, error)
	Insights(ctx context.Context, campaignID, since, until string) ([]metaads.DayInsights, metaads.Exchange, error)
}

// metaTools are the Meta ads tools' shared work: the account's ad account
// and the record of every call made to it.
type metaTools struct {
	ads    MetaAds
	outbox Outbox
}

// notConfigured is what a Meta tool answers for an account without an ad
// account: nothing was done.
const notConfigured = "NOT DONE: no Meta ad account is configured for this account, so nothing was created or read in Meta Ads. The operator configures one in the gateway's agents block."

// record writes each exchange to the account's outbox: what was asked,
// what Meta answered.
func (m metaTools) record(env agents.Env, exchanges ...metaads.Exchange) error {
	for _, x := range exchanges {
		status, errText := outbox.StatusSent, ""
		if x.Status != 200 {
			status, errText = outbox.StatusFailed, fmt.Sprintf("Meta answered %d", x.Status)
		}
		_, err := m.outbox.Add(env.Account, outbox.Message{Channel: outbox.ChannelMetaAds, To: m.ads.AdAccount(env.Account),
			Subject: x.Method + " " + x.Path, Body: "asked: " + x.Asked + "\nanswered: " + x.Answer,
			Status: status, Error: errText, RunID: env.RunID, Agent: env.Agent})
		if err != nil {
			return fmt.Errorf("the call to Meta was made but not recorded: %w", err)
		}
	}
	return nil
}

// recordUnconfigured records a draft that no ad account could take.
func (m metaTools) recordUnconfigured(env agents.Env, what string) error {
	_, err := m.outbox.Add(env.Account, outbox.Message{Channel: outbox.ChannelMetaAds, To: "(no ad account)", Subject: what,
		Body: "not sent: no Meta ad account is configured", Status: outbox.StatusQueuedUnconfigured, RunID: env.RunID, Agent: env.Agent})
	return err
}

// metaError says what Meta's refusal means for the agent.
func metaError(err error) error {
	var e *metaads.Error
	switch {
	case errors.As(err, &e) && e.Expired():
		return fmt.Errorf("the ad account's access token has expired or was revoked: the operator must renew it; nothing more was done (%s)", e.Message)
	case errors.As(err, &e) && e.RateLimited():
		return fmt.Errorf("Meta's rate limit was reached: try again later; nothing more was done (%s)", e.Message)
	case errors.As(err, &e) && e.Rejected():
		return fmt.Errorf("Meta refused it: %s", e.Message)
	}
	return fmt.Errorf("Meta could not be reached or answered unexpectedly: %w", err)
}

// metaDraftCampaign is meta_ads_draft_campaign.
type metaDraftCampaign struct{ metaTools }

func (metaDraftCampaign) Spec() routing.Tool {
	return spec("meta_ads_draft_campaign",
		"Draft a Meta (Facebook/Instagram) ads campaign in this account's ad account: the campaign, one ad set and one ad whose link is a page you made (generate_landing_page) or a video. Everything is created PAUSED: nothing is spent until a person turns it on in Meta Ads Manager, so say it is drafted and paused, never running. Answers compact JSON {campaign_id, ad_set_id, creative_id, ad_id, status}.",
		`{
	"type": "object",
	"properties": {
		"name": {"type": "string", "description": "The campaign's name, e.g. \"Deep clean — Lisbon — December\"."},
		"objective": {"type": "string", "enum": ["OUTCOME_TRAFFIC", "OUTCOME_LEADS"], "description": "Traffic to the page, or leads."},
		"daily_budget_usd": {"type": "number", "minimum": 1, "maximum": 1000, "description": "The ad set's daily budget in the ad account's currency."},
		"countries": {"type": "array", "items": {"type": "string"}, "description": "1 to 25 ISO country codes to show the ad in, e.g. [\"PT\"]."},
		"link": {"type": "string", "description": "The https address the ad sends people to: a landing page or video you made."},
		"message": {"type": "string", "description": "The ad's main text."},
		"headline": {"type": "string", "description": "The ad's headline."}
	},
	"required": ["name", "objective", "daily_budget_usd", "countries", "link", "message", "headline"],
	"additionalProperties": false
}`)
}

func (t metaDraftCampaign) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Name      string   `json:"name"`
		Objective string   `json:"objective"`
		Budget    float64  `json:"daily_budget_usd"`
		Countries []string `json:"countries"`
		Link      string   `json:"link"`
		Message   string   `json:"message"`
		Headline  string   `json:"headline"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.required("name", in.Name, 200)
	c.required("message", in.Message, 2000)
	c.required("headline", in.Headline, 200)
	c.required("link", in.Link, 2048)
	switch {
	case in.Objective != "OUTCOME_TRAFFIC" && in.Objective != "OUTCOME_LEADS":
		c.fail("objective must be OUTCOME_TRAFFIC or OUTCOME_LEADS")
	case in.Budget < 1 || in.Budget > 1000:
		c.fail("daily_budget_usd must be from 1 to 1000")
	case len(in.Countries) == 0 || len(in.Countries) > 25:
		c.fail("countries must name 1 to 25 ISO country codes")
	case !strings.HasPrefix(in.Link, "https://") && !strings.HasPrefix(in.Link, "http://"):
		c.fail("link must be an http or https address")
	}
	if c.err != nil {
		return "", c.err
	}
	client := t.ads.Client(env.Account)
	if client == nil {
		if err := t.recordUnconfigured(env, "draft campaign "+in.Name); err != nil {
			return "", err
		}
		return notConfigured, nil
	}
	drafted, exchanges, err := client.DraftCampaign(ctx, metaads.Draft{Name: in.Name, Objective: in.Objective,
		DailyBudgetCents: int64(in.Budget*100 + 0.5), Countries: in.Countries, Link: in.Link, Message: in.Message, Headline: in.Headline})
	if recErr := t.record(env, exchanges...); recErr != nil {
		return "", recErr
	}
	if err != nil {
		return "", metaError(err)
	}
	return answer(struct {
		CampaignID string `json:"campaign_id"`
		AdSetID    string `json:"ad_set_id"`
		CreativeID string `json:"creative_id"`
		AdID       string `json:"ad_id"`
		Status     string `json:"status"`
	}{drafted.CampaignID, drafted.AdSetID, drafted.CreativeID, drafted.AdID, drafted.Status})
}

// metaCampaigns is meta_ads_campaigns.
type metaCampaigns struct{ metaTools }

func (metaCampaigns) Spec() routing.Tool {
	return spec("meta_ads_campaigns",
		"List this account's Meta ads campaigns: id, name, status (ACTIVE, PAUSED…), objective and daily budget. Answers compact JSON {campaigns, count}.",
		`{
	"type": "object",
	"properties": {
		"limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "The most campaigns to list. Default 25."}
	},
	"additionalProperties": false
}`)
}

func (t metaCampaigns) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Limit *int `json:"limit"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	limit := 25
	if in.Limit != nil {
		if limit = *in.Limit; limit < 1 || limit > 100 {
			return "", errors.New("limit must be from 1 to 100")
		}
	}
	client := t.ads.Client(env.Account)
	if client == nil {
		return notConfigured, nil
	}
	campaigns, exchange, err := client.Campaigns(ctx, limit)
	if recErr := t.record(env, exchange); recErr != nil {
		return "", recErr
	}
	if err != nil {
		return "", metaError(err)
	}
	if campaigns == nil {
		campaigns = []metaads.Campaign{}
	}
	return answer(struct {
		Campaigns []metaads.Campaign `json:"campaigns"`
		Count     int                `json:"count"`
	}{campaigns, len(campaigns)})
}

// metaInsights is meta_ads_insights.
type metaInsights struct{ metaTools }

func (metaInsights) Spec() routing.Tool {
	return spec("meta_ads_insights",
		"Read a Meta ads campaign's results by day: impressions, clicks, spend (in the ad account's currency) and leads. Report them as Meta gives them. Answers compact JSON {campaign_id, days}.",
		`{
	"type": "object",
	"properties": {
		"campaign_id": {"type": "string", "description": "The campaign's id, from meta_ads_campaigns or meta_ads_draft_campaign."},
		"since": {"type": "string", "description": "The first day, YYYY-MM-DD. Default: 7 days ago."},
		"until": {"type": "string", "description": "The last day, YYYY-MM-DD. Default: today."}
	},
	"required": ["campaign_id"],
	"additionalProperties": false
}`)
}

func (t metaInsights) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		CampaignID string `json:"campaign_id"`
		Since      string `json:"since"`
		Until      string `json:"until"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	today := time.Now().UTC()
	until, err := dayOr(in.Until, "until", today)
	if err != nil {
		return "", err
	}
	since, err := dayOr(in.Since, "since", until.AddDate(0, 0, -6))
	switch {
	case err != nil:
		return "", err
	case since.After(until):
		return "", errors.New("since must not be after until")
	case until.Sub(since) > 90*24*time.Hour:
		return "", errors.New("the range may span at most 90 days")
	case in.CampaignID == "" || strings.Trim(in.CampaignID, "0123456789") != "":
		return "", errors.New("campaign_id must be a campaign's numeric id")
	}
	client := t.ads.Client(env.Account)
	if client == nil {
		return notConfigured, nil
	}
	days, exchange, err := client.Insights(ctx, in.CampaignID, since.Format(time.DateOnly), until.Format(time.DateOnly))
	if recErr := t.record(env, exchange); recErr != nil {
		return "", recErr
	}
	if err != nil {
		return "", metaError(err)
	}
	if days == nil {
		days = []metaads.DayInsights{}
	}
	return answer(struct {
		CampaignID string                `json:"campaign_id"`
		Days       []metaads.DayInsights `json:"days"`
	}{in.CampaignID, days})
}
