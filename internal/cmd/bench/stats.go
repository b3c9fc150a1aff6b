package main

import "slices"

// number is what the bench summarises: durations, byte counts, counts.
type number interface {
	~int | ~int64 | ~float64
}

// summary is the median, min and max of one measurement. Medians, not
// means: one slow fork (page cache, a scheduler hiccup) must not move the
// headline number on a 2-core machine.
type summary[T number] struct {
	N                int
	Median, Min, Max T
}

// summarize computes a summary without reordering xs. The median of an
// even count is the mean of the two middle values; an empty input gives
// the zero summary (N == 0).
func summarize[T number](xs []T) summary[T] {
	if len(xs) == 0 {
		return summary[T]{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		a, b := s[n/2-1], s[n/2]
		med = a + (b-a)/2 // no overflow for large values
	}
	return summary[T]{N: n, Median: med, Min: s[0], Max: s[n-1]}
}
