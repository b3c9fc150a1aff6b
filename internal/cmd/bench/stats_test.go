package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want summary[time.Duration]
	}{
		{"empty", nil, summary[time.Duration]{}},
		{"one", []time.Duration{7}, summary[time.Duration]{N: 1, Median: 7, Min: 7, Max: 7}},
		{"odd unsorted", []time.Duration{9, 1, 5}, summary[time.Duration]{N: 3, Median: 5, Min: 1, Max: 9}},
		{"even takes the mean of the middle two", []time.Duration{10, 2, 4, 8}, summary[time.Duration]{N: 4, Median: 6, Min: 2, Max: 10}},
		{"duplicates", []time.Duration{3, 3, 1, 3}, summary[time.Duration]{N: 4, Median: 3, Min: 1, Max: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.in); got != tt.want {
				t.Errorf("summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSummarizeKeepsInputOrder(t *testing.T) {
	in := []int64{3, 1, 2}
	summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("summarize reordered its input: %v", in)
	}
}

func TestSummarizeFloatEven(t *testing.T) {
	if got := summarize([]float64{1, 2}).Median; got != 1.5 {
		t.Errorf("median of 1, 2 = %v, want 1.5", got)
	}
}
