//go:build !linux

package main

import "os"

// peakRSS is not measured off Linux: ru_maxrss units differ (bytes on
// macOS) and Windows has no rusage; the table then shows "n/a".
func peakRSS(*os.ProcessState) int64 { return 0 }
