package routing

import (
	"time"

	"github.com/keinetech/kaine/money"
)

// Price is what a model costs per million tokens, in micro-USD, from a
// date on: providers announce price changes ahead, so the table can hold
// the next price before it applies.
type Price struct {
	// From is the first UTC day (YYYY-MM-DD) this price applies; empty for
	// the first price.
	From         string         `json:"from,omitempty"`
	Input        money.MicroUSD `json:"input_usd"`
	Output       money.MicroUSD `json:"output_usd"`
	CacheRead    money.MicroUSD `json:"cache_read_usd,omitempty"`
	CacheWrite   money.MicroUSD `json:"cache_write_usd,omitempty"`
	CacheWrite1h money.MicroUSD `json:"cache_write_1h_usd,omitempty"`

	fromDay int64 // From as a UTC day number, set by NewTable
}

// PriceAt returns the price in force at t.
func (m *Model) PriceAt(t time.Time) Price {
	day := t.Unix() / 86400
	var p Price
	for _, candidate := range m.Prices {
		if candidate.fromDay <= day {
			p = candidate
		}
	}
	return p
}

// Cost prices usage, summing tokens × micro-USD per million and dividing
// once, rounding up: a call never costs less than its share.
func (p Price) Cost(u Usage) money.MicroUSD {
	sum := u.Input*int64(p.Input) + u.Output*int64(p.Output) + u.CacheRead*int64(p.CacheRead) +
		u.CacheWrite*int64(p.CacheWrite) + u.CacheWrite1h*int64(p.CacheWrite1h)
	return money.MicroUSD((sum + 999_999) / 1_000_000)
}
