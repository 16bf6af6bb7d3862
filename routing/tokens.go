package routing

import "github.com/tidwall/gjson"

// maxTokenCount bounds a token count read from a provider's answer: no
// call comes near a billion tokens, and the bound keeps a cost in int64 at
// any price in the table. A negative count, or anything but a number,
// reads as 0: a broken or hostile upstream cannot push a cost below zero
// (which the ledger would record as nothing) or wrap it around.
const maxTokenCount = 1_000_000_000

// tokenCount reads one token count from usage.
func tokenCount(v gjson.Result) int64 {
	if v.Type != gjson.Number {
		return 0
	}
	return min(max(v.Int(), 0), maxTokenCount)
}
