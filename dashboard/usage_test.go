package dashboard

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

var chartBar = regexp.MustCompile(`<rect class="bar" x="\d+" y="\d+" width="\d+" height="(\d+)" data-day="([0-9-]+)" data-usd="([0-9.]+)"><title>([^<]+)</title></rect>`)

func TestUsageChartBarsSumToTheUsedFigure(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	var days []metering.DaySpend
	var used money.MicroUSD
	first := testNow.Truncate(24*time.Hour).AddDate(0, 0, -metering.WindowDays+1)
	for i := range metering.WindowDays {
		spent := money.MicroUSD(i%4) * 1_234_567 // some days spend nothing
		days = append(days, metering.DaySpend{Day: first.AddDate(0, 0, i), Spent: spent})
		used += spent
	}
	h.account.daily[h.alice.ID] = days
	h.account.usage[h.alice.ID] = handlers.UsageStatus{Tier: "pro", CapUSD: 150_000_000, UsedUSD: used,
		RemainingUSD: 150_000_000 - used, ReservedUSD: 250_000, Percent: int(used * 100 / 150_000_000)}
	h.account.spend[h.alice.ID] = metering.Breakdown{
		ByEndpoint: map[string]money.MicroUSD{"/v1/llm/chat": 1_000_000, "/v1/landing-pages": 5_000_000, "/v1/embeddings": 1_000_000},
		ByModel:    map[string]money.MicroUSD{"claude-sonnet-5": 6_000_000, "": 1_000_000},
		Calls:      42,
	}

	p := h.signedIn(h.alice).get("usage")
	p.want(http.StatusOK, "<dd>pro</dd>", "<dd>$150</dd>", "<dd>$"+used.String()+"</dd>",
		"<dd>$"+(150_000_000-used).String()+"</dd>", "<dd>$0.25</dd>", "audit log: 42.", `<meter min="0" max="100" value="`)

	bars := chartBar.FindAllStringSubmatch(p.body, -1)
	if len(bars) != metering.WindowDays {
		t.Fatalf("%d bars, want %d", len(bars), metering.WindowDays)
	}
	var sum money.MicroUSD
	for i, bar := range bars {
		usd, err := money.ParseUSD(bar[3])
		if err != nil {
			t.Fatal(err)
		}
		sum += usd
		day := days[i].Day.Format(time.DateOnly)
		if bar[2] != day || bar[4] != day+": $"+usd.String() {
			t.Errorf("bar %d: day %s, title %q, want day %s", i, bar[2], bar[4], day)
		}
		if (usd == 0) != (bar[1] == "0") {
			t.Errorf("bar %d: height %s for %s", i, bar[1], usd)
		}
	}
	if sum != used {
		t.Fatalf("the bars sum to %s, the used figure is %s", sum, used)
	}
	if !strings.Contains(p.body, `<text class="chart-label"`) || !strings.Contains(p.body, "<summary>Spending by day as a table</summary>") {
		t.Fatal("the chart has no date labels or no table alternative")
	}

	// Largest first, the model-less calls named.
	order := []string{"/v1/landing-pages", "/v1/embeddings", "/v1/llm/chat", "claude-sonnet-5", "(none)"}
	at := 0
	for _, name := range order {
		i := strings.Index(p.body[at:], "<td>"+name+"</td>")
		if i < 0 {
			t.Fatalf("%s missing or out of order", name)
		}
		at += i
	}
}

func TestAChartOfNothingDrawsFlatBars(t *testing.T) {
	c := newChart([]metering.DaySpend{{Day: testNow}, {Day: testNow.AddDate(0, 0, 1)}})
	for _, b := range c.Bars {
		if b.Height != 0 || b.Y != c.Baseline {
			t.Fatalf("bar %+v over a spend of nothing", b)
		}
	}
	if c := newChart(nil); len(c.Bars) != 0 || c.Width == 0 {
		t.Fatalf("an empty chart: %+v", c)
	}
}
