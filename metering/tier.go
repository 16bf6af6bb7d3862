package metering

import "github.com/keinetech/kaine/money"

// Tier is a plan's limits: the most an account may spend in a rolling 30
// days, and its requests per minute.
type Tier struct {
	Cap money.MicroUSD
	RPM int
}
