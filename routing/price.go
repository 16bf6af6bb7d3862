package routing

import (
	"time"

	"github.com/keinetech/kaine/money"
)

// Rates are what a model's tokens cost, in micro-USD per million.
type Rates struct {
	Input        money.MicroUSD `json:"input_usd"`
	Output       money.MicroUSD `json:"output_usd"`
	CacheRead    money.MicroUSD `json:"cache_read_usd,omitempty"`
	CacheWrite   money.MicroUSD `json:"cache_write_usd,omitempty"`
	CacheWrite1h money.MicroUSD `json:"cache_write_1h_usd,omitempty"`
}

// Price is what a model costs from a date on: providers announce price
// changes ahead, so the table can hold the next price before it applies.
// Some models cost more per token once a call's prompt is long (Gemini Pro
// above 200K tokens, Claude Haiku 5.5 above 100K): such a call is billed,
// all of its tokens, at LongPrompt.
type Price struct {
	// From is the first UTC day (YYYY-MM-DD) this price applies; empty for
	// the first price.
	From string `json:"from,omitempty"`
	Rates
	// LongPromptTokens is the prompt size (every prompt token, cached or
	// not) above which LongPrompt applies; 0 when the price has one tier.
	LongPromptTokens int64  `json:"long_prompt_tokens,omitempty"`
	LongPrompt       *Rates `json:"long_prompt,omitempty"`

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

// RatesFor returns the rates a call with this usage is billed at: the long
// prompt's once the prompt passes its threshold.
func (p Price) RatesFor(u Usage) Rates {
	if p.LongPrompt != nil && u.PromptTokens() > p.LongPromptTokens {
		return *p.LongPrompt
	}
	return p.Rates
}

// Cost prices usage, summing tokens × micro-USD per million and dividing
// once, rounding up: a call never costs less than its share. A worst-case
// usage (a reservation) whose prompt could pass the long-prompt threshold
// is priced at the long prompt's rates by the same rule.
func (p Price) Cost(u Usage) money.MicroUSD {
	r := p.RatesFor(u)
	sum := u.Input*int64(r.Input) + u.Output*int64(r.Output) + u.CacheRead*int64(r.CacheRead) +
		u.CacheWrite*int64(r.CacheWrite) + u.CacheWrite1h*int64(r.CacheWrite1h)
	return money.MicroUSD((sum + 999_999) / 1_000_000)
}

// fillCacheRates bills a cache price nobody wrote down as plain input:
// never free, and Gemini caches repeated prompts without being asked.
func (r *Rates) fillCacheRates() {
	if r.CacheRead == 0 {
		r.CacheRead = r.Input
	}
	if r.CacheWrite == 0 {
		r.CacheWrite = r.Input
	}
	if r.CacheWrite1h == 0 {
		r.CacheWrite1h = r.CacheWrite
	}
}

func (r Rates) negative() bool {
	return r.Input < 0 || r.Output < 0 || r.CacheRead < 0 || r.CacheWrite < 0 || r.CacheWrite1h < 0
}
