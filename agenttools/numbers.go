package agenttools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/routing"
)

// Numbers reads an account's own figures, as the API shows them to the
// account (the gateway's handlers are one), so that what a report says is
// what GET /v1/usage says.
type Numbers interface {
	// Usage is GET /v1/usage's answer for the account, with its breakdown
	// by groupBy (day, endpoint, model or key) when not empty.
	Usage(account uint64, groupBy string) (json.RawMessage, error)
	// CallTotals sums the account's audited calls in [since, until) by
	// groupBy, in the shape of that breakdown.
	CallTotals(account uint64, groupBy string, since, until time.Time) (json.RawMessage, error)
}

// groupings are what the calls can be summed by.
var groupings = []string{"day", "endpoint", "model", "key"}

// maxReportRange bounds audit_summary's range: what the audit log keeps by
// default, and a bound on the records one call reads.
const maxReportRange = 90 * 24 * time.Hour

// accountUsage is account_usage.
type accountUsage struct{ numbers Numbers }

func (accountUsage) Spec() routing.Tool {
	return spec("account_usage",
		"This account's spending on the gateway over the last 30 UTC days, against its cap: tier, cap_usd, used_usd, remaining_usd, reserved_usd, percent, blocked (the same figures GET /v1/usage shows the account). With group_by, also the window's calls summed by day, endpoint, model or key: each group's calls and cost_usd, and the total. Answers compact JSON.",
		`{
	"type": "object",
	"properties": {
		"group_by": {"type": "string", "enum": ["day", "endpoint", "model", "key"], "description": "Also sum the window's calls by this field."}
	},
	"additionalProperties": false
}`)
}

func (t accountUsage) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		GroupBy string `json:"group_by"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if in.GroupBy != "" && !slices.Contains(groupings, in.GroupBy) {
		return "", fmt.Errorf("group_by must be one of %v", groupings)
	}
	usage, err := t.numbers.Usage(env.Account, in.GroupBy)
	if err != nil {
		return "", fmt.Errorf("the usage could not be read: %w", err)
	}
	return string(usage), nil
}

// auditSummary is audit_summary.
type auditSummary struct{ numbers Numbers }

func (auditSummary) Spec() routing.Tool {
	return spec("audit_summary",
		"This account's calls to the gateway in a time range, from its audit log, summed by day, endpoint, model or key: each group's calls and cost_usd, and the total. Use it for activity and spending in a period other than the last 30 days, or to compare periods. Answers compact JSON {group_by, since, until, groups, total}.",
		`{
	"type": "object",
	"properties": {
		"group_by": {"type": "string", "enum": ["day", "endpoint", "model", "key"], "description": "The field to sum the calls by."},
		"since": {"type": "string", "description": "The range's start, RFC 3339, e.g. 2026-11-01T00:00:00Z. Default: 30 days before until."},
		"until": {"type": "string", "description": "The range's end (not in it), RFC 3339. Default: now."}
	},
	"required": ["group_by"],
	"additionalProperties": false
}`)
}

func (t auditSummary) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		GroupBy string `json:"group_by"`
		Since   string `json:"since"`
		Until   string `json:"until"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if !slices.Contains(groupings, in.GroupBy) {
		return "", fmt.Errorf("group_by must be one of %v", groupings)
	}
	until, err := timeOr(in.Until, "until", time.Now())
	if err != nil {
		return "", err
	}
	since, err := timeOr(in.Since, "since", until.Add(-30*24*time.Hour))
	switch {
	case err != nil:
		return "", err
	case !until.After(since):
		return "", fmt.Errorf("until must be after since")
	case until.Sub(since) > maxReportRange:
		return "", fmt.Errorf("the range may span at most 90 days; ask for shorter periods")
	}
	totals, err := t.numbers.CallTotals(env.Account, in.GroupBy, since, until)
	if err != nil {
		return "", fmt.Errorf("the audit log could not be read: %w", err)
	}
	return string(totals), nil
}

// timeOr reads an RFC 3339 time the model sent, or def when it sent none.
func timeOr(s, field string, def time.Time) (time.Time, error) {
	return parseOr(s, field, time.RFC3339Nano, "an RFC 3339 time, like 2026-11-01T00:00:00Z", def)
}

// dayOr reads a YYYY-MM-DD day the model sent, or def when it sent none.
func dayOr(s, field string, def time.Time) (time.Time, error) {
	return parseOr(s, field, time.DateOnly, "a day like 2026-11-30", def)
}

// parseOr reads a time the model sent in layout, or def when it sent
// none; what says what the field must be.
func parseOr(s, field, layout, what string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be %s", field, what)
	}
	return t, nil
}

// crmPipeline is crm_pipeline.
type crmPipeline struct{ crm CRM }

func (crmPipeline) Spec() routing.Tool {
	return spec("crm_pipeline",
		"This account's leads counted: total, by_status (new, contacted, booked, complete), by_source, and with since, new_since (leads created since then) and new_by_status (where those are now). Use it for pipeline figures instead of counting crm_search results. Answers compact JSON.",
		`{
	"type": "object",
	"properties": {
		"since": {"type": "string", "description": "Count the leads created since this time too, RFC 3339, e.g. 2026-11-01T00:00:00Z."}
	},
	"additionalProperties": false
}`)
}

func (t crmPipeline) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Since string `json:"since"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	since, err := timeOr(in.Since, "since", time.Time{})
	if err != nil {
		return "", err
	}
	p, err := t.crm.Pipeline(env.Account, since)
	if err != nil {
		return "", fmt.Errorf("the leads could not be counted: %w", err)
	}
	return answer(p)
}
