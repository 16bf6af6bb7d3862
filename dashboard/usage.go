package dashboard

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// The usage page: the figures GET /v1/usage gives, the window's days as
// a chart, and where the money went.

type usageData struct {
	Status handlers.UsageStatus
	Chart  chart
	Days   []metering.DaySpend
	// Breakdowns are the window's spend by endpoint and by model.
	Breakdowns []breakdown
	Calls      int
}

type breakdown struct {
	// Column names what the lines are: "endpoint", "model".
	Column string
	// Lines are largest first.
	Lines []spendLine
}

type spendLine struct {
	Name  string
	Spent money.MicroUSD
}

func (d *Dashboard) usagePage(w http.ResponseWriter, r *http.Request, v *visit) {
	status, err := d.account.UsageOf(v.user.ID)
	if err != nil {
		d.fail(w, r, fmt.Errorf("reading the usage of user %d: %w", v.user.ID, err))
		return
	}
	days, err := d.account.Daily(v.user.ID)
	if err != nil {
		d.fail(w, r, fmt.Errorf("reading the daily spend of user %d: %w", v.user.ID, err))
		return
	}
	// The same window as the ledger's days: the breakdown sums to Used.
	since := d.now()
	if len(days) > 0 {
		since = days[0].Day
	}
	spend, err := d.spend.of(v.user.ID, since, d.now(), d.account.Spend)
	if err != nil {
		d.fail(w, r, fmt.Errorf("reading the spend of user %d: %w", v.user.ID, err))
		return
	}
	d.page(w, r, v, http.StatusOK, "usage", "Usage", usageData{
		Status: status, Chart: newChart(days), Days: days,
		Breakdowns: []breakdown{
			{Column: "endpoint", Lines: largestFirst(spend.ByEndpoint)},
			{Column: "model", Lines: largestFirst(spend.ByModel)},
		},
		Calls: spend.Calls,
	})
}

// largestFirst orders sums by amount, then by name.
func largestFirst(sums map[string]money.MicroUSD) []spendLine {
	lines := make([]spendLine, 0, len(sums))
	for name, spent := range sums {
		lines = append(lines, spendLine{Name: name, Spent: spent})
	}
	slices.SortFunc(lines, func(a, b spendLine) int {
		return cmp.Or(cmp.Compare(b.Spent, a.Spent), cmp.Compare(a.Name, b.Name))
	})
	return lines
}
