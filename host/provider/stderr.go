package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/kubelogin-dev/kubelogin/host/ui"
)

const maxLine = 16 << 10

// logSink receives a provider's raw stderr. go-plugin's own parser panics on
// hclog JSON with non-string fields, so the host parses defensively here:
// JSON lines are re-logged at their level, anything else at debug, and the
// last lines are kept to explain a crash.
type logSink struct {
	logger hclog.Logger

	mu      sync.Mutex
	partial []byte
	tail    []string
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			for len(s.partial) > maxLine {
				s.line(s.partial[:maxLine])
				s.partial = s.partial[maxLine:]
			}
			return len(p), nil
		}
		s.line(s.partial[:i])
		s.partial = s.partial[i+1:]
	}
}

func (s *logSink) line(b []byte) {
	// The logger writes to the user's terminal: no control characters.
	text := ui.CleanLine(string(b))
	if text == "" {
		return
	}
	level, msg, fields := parseLine(text)
	msg = ui.CleanLine(msg) // JSON lines can encode escapes as \u001b
	for i, f := range fields {
		if str, ok := f.(string); ok {
			fields[i] = ui.CleanLine(str)
		}
	}
	s.logger.Log(level, msg, fields...)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "error" {
			msg = fmt.Sprintf("%s: %v", msg, fields[i+1])
		}
	}
	s.tail = append(s.tail, msg)
	if len(s.tail) > 20 {
		s.tail = s.tail[1:]
	}
}

// lastError is the most telling recent line: a Go panic or fatal error if
// there was one, else the last line.
func (s *logSink) lastError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.tail {
		if strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
			return l
		}
	}
	if len(s.tail) == 0 {
		return ""
	}
	return s.tail[len(s.tail)-1]
}

func parseLine(text string) (hclog.Level, string, []any) {
	if strings.HasPrefix(text, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(text), &m) == nil {
			level := hclog.Debug
			if l, ok := m["@level"].(string); ok {
				if lv := hclog.LevelFromString(l); lv != hclog.NoLevel {
					level = lv
				}
			}
			msg, _ := m["@message"].(string)
			var fields []any
			for k, v := range m {
				if !strings.HasPrefix(k, "@") {
					fields = append(fields, k, v)
				}
			}
			return level, msg, fields
		}
	}
	for _, p := range []struct {
		prefix string
		level  hclog.Level
	}{{"[TRACE]", hclog.Trace}, {"[DEBUG]", hclog.Debug}, {"[INFO]", hclog.Info}, {"[WARN]", hclog.Warn}, {"[ERROR]", hclog.Error}} {
		if strings.HasPrefix(text, p.prefix) {
			return p.level, strings.TrimSpace(strings.TrimPrefix(text, p.prefix)), nil
		}
	}
	return hclog.Debug, text, nil
}
