package modellist

import "slices"

// Drift is how a provider's live list and the gateway's price table differ.
type Drift struct {
	// Unpriced are served models no price covers, sorted. Every one is
	// listed, embedding, speech and image models included: whether they
	// matter is the operator's call.
	Unpriced []string
	// Unserved are priced models the provider no longer lists, sorted.
	Unserved []string
}

// Compare matches a provider's served ids against priced, the ids the
// price table holds for that provider. sameModel(pricedID, servedID)
// reports whether the served id is the model the priced id prices: the
// same id, or that id with a snapshot suffix (claude-haiku-4-5-20251001,
// gpt-4.1-2025-04-14, gemini-2.0-flash-001, …-latest). The rule is the
// table's, so the caller supplies it; with routing's table it is
//
//	func(pricedID, servedID string) bool {
//		m, ok := table.ForUpstream(provider, servedID)
//		return ok && m.ID == pricedID
//	}
//
// A served id no priced id matches is Unpriced; a priced id no served id
// matches is Unserved. Duplicates (two aliases of one id) are reported once.
func Compare(served, priced []string, sameModel func(pricedID, servedID string) bool) Drift {
	var d Drift
	matched := make(map[string]bool, len(priced))
	for _, s := range served {
		covered := false
		for _, p := range priced {
			if sameModel(p, s) {
				matched[p] = true
				covered = true
			}
		}
		if !covered {
			d.Unpriced = append(d.Unpriced, s)
		}
	}
	for _, p := range priced {
		if !matched[p] {
			d.Unserved = append(d.Unserved, p)
		}
	}
	slices.Sort(d.Unpriced)
	slices.Sort(d.Unserved)
	d.Unpriced = slices.Compact(d.Unpriced)
	d.Unserved = slices.Compact(d.Unserved)
	return d
}
