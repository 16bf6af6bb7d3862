package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Objectives a draft may take: the two Kaine runs.
const (
	ObjectiveTraffic = "OUTCOME_TRAFFIC"
	ObjectiveLeads   = "OUTCOME_LEADS"
)

// statusPaused is the only status this package ever sends.
const statusPaused = "PAUSED"

// Draft is a campaign to draft: always created PAUSED, with one ad set and one ad.
type Draft struct {
	Name             string
	Objective        string   // OUTCOME_TRAFFIC or OUTCOME_LEADS
	DailyBudgetCents int64    // the ad set's daily budget, in the account's currency's cents
	Countries        []string // ISO codes for the ad set's targeting
	Link             string   // the creative's link: a Kaine landing page or video URL
	Message          string   // the ad's primary text
	Headline         string
}

// Drafted is what Meta created.
type Drafted struct {
	CampaignID, AdSetID, CreativeID, AdID string
	Status                                string // PAUSED
}

func (d Draft) validate() error {
	switch {
	case d.Name == "":
		return errors.New("the draft has no name")
	case d.Objective != ObjectiveTraffic && d.Objective != ObjectiveLeads:
		return fmt.Errorf("objective %q is neither %s nor %s", d.Objective, ObjectiveTraffic, ObjectiveLeads)
	case d.DailyBudgetCents <= 0:
		return errors.New("the daily budget must be positive")
	case len(d.Countries) == 0:
		return errors.New("the draft targets no country")
	case d.Link == "":
		return errors.New("the draft has no link")
	}
	return nil
}

// DraftCampaign creates the campaign, its ad set, the creative (link_data with the page) and the ad, each with status PAUSED (a person turns spending on), and returns every exchange made, also when one fails (then the error says which step).
//
// Both objectives optimise the ad set for LINK_CLICKS: a Kaine link is a
// website destination with no pixel or instant form, and Meta's other lead
// goals need one (OFFSITE_CONVERSIONS a pixel in promoted_object,
// LEAD_GENERATION a lead form). Objects made before a failed step stay in
// the account, paused; the Drafted returned with the error holds their ids
// for a person to finish or delete.
func (c *Client) DraftCampaign(ctx context.Context, d Draft) (Drafted, []Exchange, error) {
	if err := d.validate(); err != nil {
		return Drafted{}, nil, fmt.Errorf("drafting campaign %q: %w", d.Name, err)
	}
	var exchanges []Exchange
	create := func(step, edge string, params url.Values) (string, error) {
		var created struct {
			ID string `json:"id"`
		}
		ex, err := c.call(ctx, http.MethodPost, c.accountPath(edge), params, &created)
		exchanges = append(exchanges, ex)
		if err == nil && created.ID == "" {
			err = fmt.Errorf("meta gave no id: %s", ex.Answer)
		}
		if err != nil {
			return "", fmt.Errorf("drafting campaign %q: creating the %s: %w", d.Name, step, err)
		}
		return created.ID, nil
	}

	campaignID, err := create("campaign", "campaigns", url.Values{
		"name":                  {d.Name},
		"objective":             {d.Objective},
		"status":                {statusPaused},
		"special_ad_categories": {"[]"},
	})
	if err != nil {
		return Drafted{}, exchanges, err
	}
	drafted := Drafted{CampaignID: campaignID, Status: statusPaused}

	drafted.AdSetID, err = create("ad set", "adsets", url.Values{
		"name":              {d.Name},
		"campaign_id":       {campaignID},
		"daily_budget":      {strconv.FormatInt(d.DailyBudgetCents, 10)},
		"billing_event":     {"IMPRESSIONS"},
		"optimization_goal": {"LINK_CLICKS"},
		"bid_strategy":      {"LOWEST_COST_WITHOUT_CAP"},
		"targeting":         {jsonText(map[string]any{"geo_locations": map[string]any{"countries": d.Countries}})},
		"status":            {statusPaused},
	})
	if err != nil {
		return drafted, exchanges, err
	}

	story := jsonText(map[string]any{
		"page_id": c.pageID,
		"link_data": map[string]string{
			"link":    d.Link,
			"message": d.Message,
			"name":    d.Headline,
		},
	})
	drafted.CreativeID, err = create("creative", "adcreatives", url.Values{
		"name":              {d.Name},
		"object_story_spec": {story},
	})
	if err != nil {
		return drafted, exchanges, err
	}

	drafted.AdID, err = create("ad", "ads", url.Values{
		"name":     {d.Name},
		"adset_id": {drafted.AdSetID},
		"creative": {jsonText(map[string]string{"creative_id": drafted.CreativeID})},
		"status":   {statusPaused},
	})
	if err != nil {
		return drafted, exchanges, err
	}
	return drafted, exchanges, nil
}

// jsonText encodes a Graph parameter that Meta takes as JSON. Its values are
// only strings, maps and slices of them, which always encode.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
