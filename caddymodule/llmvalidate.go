package caddymodule

import (
	"errors"
	"fmt"
	"time"

	"github.com/keinetech/kaine/money"
)

// The checks of the model and routing blocks and of passthrough_max_body,
// made the same whether the config came as a Caddyfile or as JSON (the
// admin API's /load): the parsers call them, and so does App.Validate
// (the model blocks' at Provision, where their table is built; what
// depends on the whole catalog, names and price schedules, is checked by
// the table).

// validate checks what a model block sets.
func (mc ModelConfig) validate(alias string) error {
	if t := mc.MaxTemperature; t != nil && !(*t > 0 && *t <= 2) { // NaN too
		return fmt.Errorf("model %s: max_temperature must be above 0 and at most 2", alias)
	}
	for name, price := range map[string]*money.MicroUSD{"input_usd": mc.InputUSD, "output_usd": mc.OutputUSD,
		"cache_read_usd": mc.CacheReadUSD, "cache_write_usd": mc.CacheWriteUSD, "cache_write_1h_usd": mc.CacheWrite1hUSD} {
		if price != nil && *price < 0 {
			return fmt.Errorf("model %s: %s: a price must not be negative", alias, name)
		}
	}
	if r := mc.Retires; r != nil && *r != retiresNever && *r != "" {
		if _, err := time.Parse(time.DateOnly, *r); err != nil {
			return fmt.Errorf("model %s: retires takes a day like 2027-03-01, or never", alias)
		}
	}
	return nil
}

// validate checks the routing block's fee and breaker settings (zero is
// their default).
func (rc *Routing) validate() error {
	switch {
	case rc == nil:
	case rc.BYOKFeeUSD != nil && *rc.BYOKFeeUSD < 0:
		return errors.New("routing: byok_fee_usd must not be negative")
	case rc.BreakerOpen < 0:
		return errors.New("routing: breaker_open must be a positive duration like 30s")
	}
	return nil
}

// maxPassthroughMaxBody bounds passthrough_max_body: a drop-in body is
// held whole in memory to be metered.
const maxPassthroughMaxBody = 1 << 30

// validPassthroughMaxBody checks passthrough_max_body (0: the default).
func validPassthroughMaxBody(n int64) error {
	if n < 0 || n > maxPassthroughMaxBody {
		return fmt.Errorf("passthrough_max_body %d is not a size from 1B to 1GiB, like 10MiB", n)
	}
	return nil
}
