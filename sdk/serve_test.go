package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestLoggerWritesHclogJSON: the host parses a provider's stderr as hclog
// JSON, keyed "@level" and "@message", and filters by level.
func TestLoggerWritesHclogJSON(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, slog.LevelDebug)
	l.Log(context.Background(), LevelTrace, "not shown")
	l.Debug("d", "tenant", "t1")
	l.Info("i")
	l.Warn("w", "n", 3)
	l.Error("e")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []struct{ level, msg string }{{"debug", "d"}, {"info", "i"}, {"warn", "w"}, {"error", "e"}}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %q", i, line)
		}
		if m["@level"] != want[i].level || m["@message"] != want[i].msg || m["@timestamp"] == nil {
			t.Errorf("line %d = %v, want level %s message %s and a timestamp", i, m, want[i].level, want[i].msg)
		}
	}
	if !strings.Contains(lines[0], `"tenant":"t1"`) {
		t.Errorf("attributes lost: %s", lines[0])
	}
}

func TestLogLevel(t *testing.T) {
	tests := []struct {
		env   string
		debug bool
		want  slog.Level
	}{
		{"trace", false, LevelTrace},
		{"DEBUG", false, slog.LevelDebug},
		{"info", true, slog.LevelInfo},
		{"warn", false, slog.LevelWarn},
		{"error", false, slog.LevelError},
		{"", false, slog.LevelWarn},
		{"nonsense", true, slog.LevelDebug},
	}
	for _, tt := range tests {
		if got := logLevel(tt.env, tt.debug); got != tt.want {
			t.Errorf("logLevel(%q, %t) = %v, want %v", tt.env, tt.debug, got, tt.want)
		}
	}
}
