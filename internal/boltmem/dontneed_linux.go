package boltmem

import "syscall"

// dontNeed is madvise(MADV_DONTNEED) on a shared file mapping: it unmaps
// the pages and loses nothing, since their contents are the file's.
func dontNeed(addr, length uintptr) error {
	if length == 0 {
		return nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, length, syscall.MADV_DONTNEED); errno != 0 {
		return errno
	}
	return nil
}
