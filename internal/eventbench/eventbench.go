// Package eventbench reports a stream benchmark's figures per event, where
// go test reports them per run of many events.
package eventbench

import (
	"runtime"
	"testing"
)

// Loop runs run until b is done, each run handling events events, and
// reports the time and the allocations per event.
func Loop(b *testing.B, events int, run func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		run()
	}
	runtime.ReadMemStats(&after)
	perEvent := float64(b.N * events)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/perEvent, "ns/event")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/perEvent, "allocs/event")
}
