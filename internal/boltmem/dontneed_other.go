//go:build !linux

package boltmem

// dontNeed does nothing where the page tables are left to the kernel.
func dontNeed(addr, length uintptr) error { return nil }
