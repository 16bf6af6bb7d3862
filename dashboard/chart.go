package dashboard

import (
	"time"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// chart is the daily spend as SVG bars. Its geometry is worked out here,
// in viewBox units, so the template only places what it is given: the
// page's policy allows no inline style.
type chart struct {
	Width, Height int
	// Baseline is the y of the axis the bars stand on.
	Baseline int
	Bars     []bar
	Labels   []chartLabel
	// Max is the tallest bar's amount.
	Max money.MicroUSD
}

type bar struct {
	X, Y, Width, Height int
	Day                 time.Time
	Spent               money.MicroUSD
}

type chartLabel struct {
	X, Y int
	Text string
}

const (
	chartWidth = 600
	chartPad   = 24  // the least room at either side, for a centred date label
	plotTop    = 18  // room above the bars for the max label
	plotHeight = 140 // the tallest bar
	labelRoom  = 20  // room below the axis for the date labels
	barGap     = 4
	// labelEvery: a date under every day would not fit on a phone.
	labelEvery = 7
)

// newChart draws one bar per day, oldest on the left, scaled to the
// day that spent most, and labels today and every labelEvery days back.
func newChart(days []metering.DaySpend) chart {
	c := chart{Width: chartWidth, Height: plotTop + plotHeight + labelRoom, Baseline: plotTop + plotHeight}
	if len(days) == 0 {
		return c
	}
	for _, d := range days {
		c.Max = max(c.Max, d.Spent)
	}
	slot := (chartWidth - 2*chartPad) / len(days)
	left := (chartWidth - slot*len(days)) / 2
	for i, d := range days {
		h := 0
		if c.Max > 0 {
			h = int(int64(d.Spent) * plotHeight / int64(c.Max))
		}
		if d.Spent > 0 {
			h = max(h, 1) // a day that spent a little still shows
		}
		x := left + i*slot
		c.Bars = append(c.Bars, bar{X: x + barGap/2, Y: c.Baseline - h, Width: slot - barGap, Height: h, Day: d.Day, Spent: d.Spent})
		if (len(days)-1-i)%labelEvery == 0 {
			c.Labels = append(c.Labels, chartLabel{X: x + slot/2, Y: c.Height - 4, Text: d.Day.UTC().Format("Jan 2")})
		}
	}
	return c
}
