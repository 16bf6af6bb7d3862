package workflows

import (
	"slices"
	"strings"
)

// Merge returns the newest limit runs of all lists, newest first by
// StartedAt. Runs not started yet count as newest (they are the latest to
// be asked for); ties, unstarted runs among them, go by ID ascending so
// the order is the same on every call. The lists are not changed, and the
// answer is never nil, so it encodes as [] rather than null. A limit below
// 1 gives no runs.
func Merge(limit int, lists ...[]Run) []Run {
	if limit < 1 {
		return []Run{}
	}
	var all []Run
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortStableFunc(all, newestFirst)
	if len(all) > limit {
		all = all[:limit]
	}
	if all == nil {
		return []Run{}
	}
	return all
}

// newestFirst orders two runs as Merge lists them.
func newestFirst(a, b Run) int {
	switch {
	case a.StartedAt == nil && b.StartedAt != nil:
		return -1
	case a.StartedAt != nil && b.StartedAt == nil:
		return 1
	case a.StartedAt != nil:
		if c := b.StartedAt.Compare(*a.StartedAt); c != 0 {
			return c
		}
	}
	return strings.Compare(a.ID, b.ID)
}
