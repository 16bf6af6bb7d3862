package main

import (
	"testing"
	"time"
)

func TestPercentileIsTheNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i))
	}
	for _, tc := range []struct {
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{hundred, 50, 50},
		{hundred, 90, 90},
		{hundred, 99, 99},
		{hundred, 100, 100},
		{hundred[:10], 99, 10}, // too few values: the largest
		{hundred[:1], 50, 1},
		{nil, 50, 0},
	} {
		if got := percentile(tc.values, tc.p); got != tc.want {
			t.Errorf("p%v of %d values = %v, want %v", tc.p, len(tc.values), got, tc.want)
		}
	}
}

func TestMedianOfOddAndEvenCountsLeavesTheInputAlone(t *testing.T) {
	odd := []float64{3, 1, 2}
	if got := median(odd); got != 2 {
		t.Errorf("median(3,1,2) = %v, want 2", got)
	}
	if odd[0] != 3 {
		t.Errorf("median reordered its input: %v", odd)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median(4,1,3,2) = %v, want 2.5", got)
	}
	if got := median(nil); got != 0 {
		t.Errorf("median() = %v, want 0", got)
	}
}
