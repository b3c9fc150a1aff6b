package main

import (
	"os"
	"syscall"
)

// peakRSS is the child's own high-water mark from wait4's rusage; Linux
// reports ru_maxrss in KiB.
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
