package provider

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line    string
		level   hclog.Level
		message string
	}{
		{`{"@level":"warn","@message":"careful","@timestamp":"2026-01-01T00:00:00.000000Z","k":"v"}`, hclog.Warn, "careful"},
		{`{"@level":"info","@message":1,"@timestamp":2}`, hclog.Info, ""},
		{`{"@level":7,"@message":"odd level"}`, hclog.Debug, "odd level"},
		{`[ERROR] broken`, hclog.Error, "broken"},
		{`[TRACE] chatty`, hclog.Trace, "chatty"},
		{`panic: boom`, hclog.Debug, "panic: boom"},
		{`{not json`, hclog.Debug, "{not json"},
	}
	for _, tt := range tests {
		level, msg, _ := parseLine(tt.line)
		if level != tt.level || msg != tt.message {
			t.Errorf("parseLine(%q) = %v %q, want %v %q", tt.line, level, msg, tt.level, tt.message)
		}
	}
}

func TestLogSinkKeepsPanicAndSplitsLongLines(t *testing.T) {
	var out bytes.Buffer
	s := &logSink{logger: hclog.New(&hclog.LoggerOptions{Output: &out, Level: hclog.Trace})}
	s.Write([]byte("starting\npanic: it broke\ngoroutine 1 [running]:\nmain.main()\n"))
	if got := s.lastError(); got != "panic: it broke" {
		t.Errorf("lastError = %q", got)
	}
	s.Write([]byte(strings.Repeat("x", 3*maxLine)))
	if n := strings.Count(out.String(), "\n"); n < 6 {
		t.Errorf("long line not split into bounded pieces: %d lines logged", n)
	}
	s2 := &logSink{logger: hclog.NewNullLogger()}
	s2.Write([]byte("partial without newline"))
	if s2.lastError() != "" {
		t.Errorf("an unfinished line must not count yet")
	}
	s2.Write([]byte(" ends here\n"))
	if got := s2.lastError(); got != "partial without newline ends here" {
		t.Errorf("lastError = %q", got)
	}
}

// TestLogSinkStripsControls: provider log lines reach the user's terminal, raw or as hclog JSON.
func TestLogSinkStripsControls(t *testing.T) {
	var out bytes.Buffer
	s := &logSink{logger: hclog.New(&hclog.LoggerOptions{Output: &out, Level: hclog.Trace})}
	s.Write([]byte("[WARN] raw \x1b[2Jclear\r\n"))
	s.Write([]byte(`{"@level":"warn","@message":"json \u001b]0;title\u0007msg","detail":"v\u001b[31m"}` + "\n"))
	if strings.ContainsAny(out.String(), "\x1b\x07\r") {
		t.Fatalf("control characters reached the log: %q", out.String())
	}
	if !strings.Contains(out.String(), "raw [2Jclear") || !strings.Contains(out.String(), "json ]0;titlemsg") {
		t.Fatalf("log lost the text: %q", out.String())
	}
}
