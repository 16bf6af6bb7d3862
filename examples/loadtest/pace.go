package main

import (
	"syscall"
	"time"
)

// sleepUntil blocks until deadline. It sleeps in nanosleep(2) rather than
// time.Sleep: when the process is otherwise idle, Go's timers fire up to a
// millisecond late (the netpoller waits in whole milliseconds), which at
// 2,000 req/s would send requests in bursts and add the generator's own
// lateness to every latency. The kernel wakes the thread within ~0.1 ms.
// Meanwhile the goroutine's P sits in a system call, and the runtime hands
// it to the other goroutines.
func sleepUntil(deadline time.Time) {
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		ts := syscall.NsecToTimespec(int64(left))
		syscall.Nanosleep(&ts, nil) // interrupted: the loop sleeps what is left
	}
}
