package metaads

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Campaign is one of the ad account's campaigns as Meta lists it.
type Campaign struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Status           string `json:"status"`
	Objective        string `json:"objective"`
	DailyBudgetCents int64  `json:"daily_budget_cents,omitempty"` // 0 when the campaign has none of its own
}

// Campaigns lists the ad account's campaigns (newest first as Meta gives them), up to limit.
// It reads one page: Graph caps a page's limit, so a large limit may return fewer.
func (c *Client) Campaigns(ctx context.Context, limit int) ([]Campaign, Exchange, error) {
	if limit < 1 {
		return nil, Exchange{}, fmt.Errorf("listing campaigns: limit %d is below 1", limit)
	}
	var page struct {
		Data []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Status      string `json:"status"`
			Objective   string `json:"objective"`
			DailyBudget string `json:"daily_budget"`
		} `json:"data"`
	}
	ex, err := c.call(ctx, http.MethodGet, c.accountPath("campaigns"), url.Values{
		"fields": {"id,name,status,objective,daily_budget"},
		"limit":  {strconv.Itoa(limit)},
	}, &page)
	if err != nil {
		return nil, ex, fmt.Errorf("listing campaigns: %w", err)
	}
	campaigns := make([]Campaign, 0, min(len(page.Data), limit))
	for _, row := range page.Data[:min(len(page.Data), limit)] {
		budget, err := optionalInt(row.DailyBudget)
		if err != nil {
			return nil, ex, fmt.Errorf("listing campaigns: campaign %s daily_budget: %w", row.ID, err)
		}
		campaigns = append(campaigns, Campaign{
			ID:               row.ID,
			Name:             row.Name,
			Status:           row.Status,
			Objective:        row.Objective,
			DailyBudgetCents: budget,
		})
	}
	return campaigns, ex, nil
}

// DayInsights is one day of a campaign's results.
type DayInsights struct {
	Date        string `json:"date"` // YYYY-MM-DD
	Impressions int64  `json:"impressions"`
	Clicks      int64  `json:"clicks"`
	SpendUSD    string `json:"spend"` // as Meta gives it, a decimal string in the account's currency
	Leads       int64  `json:"leads"` // the "lead" action's value, 0 when absent
}

// Insights reads a campaign's results by day over [since, until] (YYYY-MM-DD, inclusive as Meta's time_range is).
// The limit asked is the number of days in the range, so one page holds
// them all (Graph's default page is 25 rows). Meta omits days with no delivery.
func (c *Client) Insights(ctx context.Context, campaignID, since, until string) ([]DayInsights, Exchange, error) {
	days, err := daysInRange(since, until)
	if err != nil {
		return nil, Exchange{}, fmt.Errorf("reading insights of campaign %s: %w", campaignID, err)
	}
	var page struct {
		Data []struct {
			DateStart   string `json:"date_start"`
			Impressions string `json:"impressions"`
			Clicks      string `json:"clicks"`
			Spend       string `json:"spend"`
			Actions     []struct {
				ActionType string `json:"action_type"`
				Value      string `json:"value"`
			} `json:"actions"`
		} `json:"data"`
	}
	ex, err := c.call(ctx, http.MethodGet, "/"+c.version+"/"+url.PathEscape(campaignID)+"/insights", url.Values{
		"fields":         {"impressions,clicks,spend,actions"},
		"time_increment": {"1"},
		"time_range":     {jsonText(map[string]string{"since": since, "until": until})},
		"limit":          {strconv.Itoa(days)},
	}, &page)
	if err != nil {
		return nil, ex, fmt.Errorf("reading insights of campaign %s: %w", campaignID, err)
	}
	out := make([]DayInsights, 0, len(page.Data))
	for _, row := range page.Data {
		day := DayInsights{Date: row.DateStart, SpendUSD: row.Spend}
		if day.Impressions, err = optionalInt(row.Impressions); err != nil {
			return nil, ex, fmt.Errorf("reading insights of campaign %s: %s impressions: %w", campaignID, row.DateStart, err)
		}
		if day.Clicks, err = optionalInt(row.Clicks); err != nil {
			return nil, ex, fmt.Errorf("reading insights of campaign %s: %s clicks: %w", campaignID, row.DateStart, err)
		}
		for _, a := range row.Actions {
			if a.ActionType != "lead" {
				continue
			}
			if day.Leads, err = optionalInt(a.Value); err != nil {
				return nil, ex, fmt.Errorf("reading insights of campaign %s: %s leads: %w", campaignID, row.DateStart, err)
			}
		}
		out = append(out, day)
	}
	return out, ex, nil
}

// daysInRange counts the days of [since, until], both YYYY-MM-DD.
func daysInRange(since, until string) (int, error) {
	from, err := time.Parse(time.DateOnly, since)
	if err != nil {
		return 0, fmt.Errorf("since: %w", err)
	}
	to, err := time.Parse(time.DateOnly, until)
	if err != nil {
		return 0, fmt.Errorf("until: %w", err)
	}
	if to.Before(from) {
		return 0, fmt.Errorf("until %s is before since %s", until, since)
	}
	return int(to.Sub(from).Hours()/24) + 1, nil
}

// optionalInt parses Graph's numbers-as-strings; an absent one is 0.
func optionalInt(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}
