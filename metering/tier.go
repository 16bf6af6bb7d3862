package metering

// Tier is a plan's limits: the most an account may spend in a rolling 30
// days, in micro-USD, and its requests per minute.
type Tier struct {
	CapMicroUSD int64
	RPM         int
}
