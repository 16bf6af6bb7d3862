package videos

// nearest returns the allowed value closest to d; on a tie the longer, so
// the clip is never shorter than the two choices' midpoint.
func nearest(d int, allowed ...int) int {
	best := allowed[0]
	for _, a := range allowed[1:] {
		if da, db := abs(d-a), abs(d-best); da < db || da == db && a > best {
			best = a
		}
	}
	return best
}

// clamp bounds d to [lo, hi].
func clamp(d, lo, hi int) int { return max(lo, min(d, hi)) }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
