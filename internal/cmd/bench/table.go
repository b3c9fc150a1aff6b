package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// table is a markdown table whose columns are padded, so it reads the same
// in a terminal and pasted into an issue.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		b.WriteString("|")
		for i, w := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", w-utf8.RuneCountInString(c)))
		}
		return b.String()
	}
	rule := make([]string, len(widths))
	for i, w := range widths {
		rule[i] = strings.Repeat("-", w)
	}
	out := []string{line(t.header), line(rule)}
	for _, r := range t.rows {
		out = append(out, line(r))
	}
	_, err := fmt.Fprintln(w, strings.Join(out, "\n"))
	if err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// ms shows a duration in milliseconds with two decimals, the resolution
// that matters for a 10 ms budget.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// mb shows bytes in decimal megabytes, the unit of the RSS target.
func mb(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/1e6)
}

// verdict is PASS or MISS for a target.
func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func durations(s summary[time.Duration]) []string {
	return []string{ms(s.Median), ms(s.Min), ms(s.Max)}
}

func counts(s summary[int]) []string {
	return []string{fmt.Sprint(s.Median), fmt.Sprint(s.Min), fmt.Sprint(s.Max)}
}
