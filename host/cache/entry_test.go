package cache

import (
	"testing"
	"time"
)

func TestUsableAndServeUntil(t *testing.T) {
	const margin = 5 * time.Minute
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name      string
		e         Entry
		wantUntil time.Time
		usable    map[time.Duration]bool // offset from t0 -> Usable
	}{
		{
			name:      "normal token served until margin before expiry",
			e:         Entry{AccessToken: "t", WrittenAt: t0, ExpiresAt: t0.Add(time.Hour)},
			wantUntil: t0.Add(55 * time.Minute),
			usable:    map[time.Duration]bool{0: true, 54 * time.Minute: true, 55*time.Minute - 1: true, 55 * time.Minute: false, 59 * time.Minute: false},
		},
		{
			name:      "life of exactly twice the margin keeps the full margin",
			e:         Entry{AccessToken: "t", WrittenAt: t0, ExpiresAt: t0.Add(10 * time.Minute)},
			wantUntil: t0.Add(5 * time.Minute),
			usable:    map[time.Duration]bool{4 * time.Minute: true, 5 * time.Minute: false},
		},
		{
			name:      "short-lived token served for half its life",
			e:         Entry{AccessToken: "t", WrittenAt: t0, ExpiresAt: t0.Add(4 * time.Minute)},
			wantUntil: t0.Add(2 * time.Minute),
			usable:    map[time.Duration]bool{0: true, 119 * time.Second: true, 2 * time.Minute: false},
		},
		{
			name:      "life just over the margin is not refreshed on every call",
			e:         Entry{AccessToken: "t", WrittenAt: t0, ExpiresAt: t0.Add(margin + time.Second)},
			wantUntil: t0.Add((margin + time.Second) / 2),
			usable:    map[time.Duration]bool{time.Minute: true, 2 * time.Minute: true, 3 * time.Minute: false},
		},
		{
			name:      "without WrittenAt the full margin applies",
			e:         Entry{AccessToken: "t", ExpiresAt: t0.Add(time.Hour)},
			wantUntil: t0.Add(55 * time.Minute),
			usable:    map[time.Duration]bool{0: true, 56 * time.Minute: false},
		},
		{
			name:      "expired token",
			e:         Entry{AccessToken: "t", WrittenAt: t0.Add(-2 * time.Hour), ExpiresAt: t0.Add(-time.Hour)},
			wantUntil: t0.Add(-time.Hour - margin),
			usable:    map[time.Duration]bool{0: false},
		},
		{
			name:      "expired when written is never served",
			e:         Entry{AccessToken: "t", WrittenAt: t0, ExpiresAt: t0.Add(-time.Second)},
			wantUntil: t0.Add(-time.Second),
			usable:    map[time.Duration]bool{0: false, time.Minute: false},
		},
		{
			name:      "state only, no token",
			e:         Entry{State: []byte("s"), WrittenAt: t0, ExpiresAt: t0.Add(time.Hour)},
			wantUntil: t0.Add(55 * time.Minute),
			usable:    map[time.Duration]bool{0: false},
		},
		{
			name:   "no expiry",
			e:      Entry{AccessToken: "t", WrittenAt: t0},
			usable: map[time.Duration]bool{0: false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.ServeUntil(margin); !got.Equal(tt.wantUntil) {
				t.Errorf("ServeUntil = %v, want %v", got, tt.wantUntil)
			}
			for off, want := range tt.usable {
				if got := tt.e.Usable(t0.Add(off), margin); got != want {
					t.Errorf("Usable(t0%+v) = %v, want %v", off, got, want)
				}
			}
		})
	}
}
