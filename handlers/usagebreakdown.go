package handlers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// UsageBreakdown is the window's audited calls summed by one of their
// fields: what an export of the window sums to, group by group.
type UsageBreakdown struct {
	GroupBy string    `json:"group_by"`
	Since   time.Time `json:"since"`
	// Until is the range's end (not in it), for a range that is not the
	// window (an agent's audit_summary); zero: now.
	Until  time.Time     `json:"until,omitzero"`
	Groups []UsageGroup  `json:"groups"`
	Total  UsageSubtotal `json:"total"`
}

// UsageGroup is one value of the field grouped by: a UTC day
// (2026-11-07), an endpoint, a model ("" for calls without one) or a key
// id.
type UsageGroup struct {
	Key string `json:"key"`
	UsageSubtotal
}

// UsageSubtotal is a number of calls and what they cost.
type UsageSubtotal struct {
	Calls   int            `json:"calls"`
	CostUSD money.MicroUSD `json:"cost_usd"`
}

// usageGroupings are the fields GET /v1/usage groups by, each with what a
// record's group is.
var usageGroupings = map[string]func(metering.AuditRecord) string{
	"day":      func(r metering.AuditRecord) string { return r.Time.UTC().Format(time.DateOnly) },
	"endpoint": func(r metering.AuditRecord) string { return r.Endpoint },
	"model":    func(r metering.AuditRecord) string { return r.Model },
	"key":      func(r metering.AuditRecord) string { return strconv.FormatUint(r.KeyID, 10) },
}

// windowStart is the first instant of the ledger's window: the UTC day
// WindowDays-1 days before today's.
func windowStart(now time.Time) time.Time {
	today := now.UTC().Truncate(24 * time.Hour)
	return today.AddDate(0, 0, -(metering.WindowDays - 1))
}

// usageBreakdown sums the account's audit records since the window's
// start by groupBy.
func (a *API) usageBreakdown(user uint64, groupBy string) (UsageBreakdown, error) {
	return a.callTotals(user, groupBy, windowStart(time.Now()), time.Time{})
}

// callTotals sums the account's audit records in [since, until) (zero
// until: to now) by groupBy, reading them a page at a time as an export
// does. Days come in order, the other groups costliest first.
func (a *API) callTotals(user uint64, groupBy string, since, until time.Time) (UsageBreakdown, error) {
	groupOf := usageGroupings[groupBy]
	b := UsageBreakdown{GroupBy: groupBy, Since: since, Until: until}
	sums := map[string]*UsageGroup{}
	filter := metering.AuditFilter{Since: since, Until: until}
	var before uint64
	for {
		records, next, err := a.Audit.Page(user, filter, before, auditExportPage)
		if err != nil {
			return UsageBreakdown{}, fmt.Errorf("summing the audit log of account %d by %s: %w", user, groupBy, err)
		}
		for _, r := range records {
			key := groupOf(r)
			g := sums[key]
			if g == nil {
				g = &UsageGroup{Key: key}
				sums[key] = g
			}
			g.Calls, g.CostUSD = g.Calls+1, g.CostUSD+r.Cost
			b.Total.Calls, b.Total.CostUSD = b.Total.Calls+1, b.Total.CostUSD+r.Cost
		}
		if next == 0 {
			break
		}
		before = next
		filter.BeforeTime = cursorTime(records, next)
	}
	b.Groups = make([]UsageGroup, 0, len(sums))
	for _, g := range sums {
		b.Groups = append(b.Groups, *g)
	}
	slices.SortFunc(b.Groups, func(x, y UsageGroup) int {
		if groupBy == "day" {
			return cmp.Compare(x.Key, y.Key)
		}
		return cmp.Or(cmp.Compare(y.CostUSD, x.CostUSD), cmp.Compare(x.Key, y.Key))
	})
	return b, nil
}

// AgentNumbers gives the reporting tools (account_usage, audit_summary)
// the account's figures as the API shows them.
func (a *API) AgentNumbers() AgentNumbers { return AgentNumbers{a} }

// AgentNumbers is the figures of the reporting tools.
type AgentNumbers struct{ api *API }

// Usage is GET /v1/usage's answer, with the breakdown by groupBy when not
// empty.
func (n AgentNumbers) Usage(account uint64, groupBy string) (json.RawMessage, error) {
	s, err := n.api.UsageOf(account)
	if err != nil {
		return nil, err
	}
	answer := usageAnswer{Status: s}
	if groupBy != "" {
		b, err := n.api.usageBreakdown(account, groupBy)
		if err != nil {
			return nil, err
		}
		answer.Breakdown = &b
	}
	return json.Marshal(answer)
}

// CallTotals is the account's audited calls in [since, until) by groupBy.
func (n AgentNumbers) CallTotals(account uint64, groupBy string, since, until time.Time) (json.RawMessage, error) {
	b, err := n.api.callTotals(account, groupBy, since, until)
	if err != nil {
		return nil, err
	}
	return json.Marshal(b)
}
