package dashboard

import (
	"html/template"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/keinetech/kaine/money"
)

// formatting are the templates' functions: how money, times, sizes and
// long text read on a page, each decided here once.
var formatting = template.FuncMap{
	"usd":   usd,
	"when":  when,
	"day":   func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"bytes": func(n int64) string { return humanize.IBytes(uint64(max(n, 0))) },
	"clip":  clip,
	"join":  strings.Join,
}

// usd is an amount in dollars, formatted by money.
func usd(m money.MicroUSD) string { return "$" + m.String() }

// when is a moment, in UTC to the second: the audit log and the API's
// timestamps are UTC too.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// readableRunes is where clip cuts: a step's text or a tool's output can
// run to pages, and the run's page must stay readable.
const readableRunes = 2000

// clip shortens text past readableRunes, marking the cut.
func clip(s string) string {
	n := 0
	for i := range s {
		if n == readableRunes {
			return s[:i] + " …(clipped)"
		}
		n++
	}
	return s
}
