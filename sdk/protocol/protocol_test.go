package protocol

import (
	"strings"
	"testing"
)

func TestParseReattach(t *testing.T) {
	good := ReattachMap{"m": {Protocol: "grpc", ProtocolVersion: 1, Pid: 42, Network: "unix", Address: "/tmp/s"}}
	tests := []struct {
		in, wantErr string
	}{
		{good.String(), ""},
		{`{"m":{"protocol":"grpc","pid":42,"network":"udp","address":"x"}}`, "entries for m lack"},
		{`{"b":{"protocol":"netrpc","pid":1,"network":"tcp","address":"x"},"a":{}}`, "entries for a, b lack"},
		{`export X=1`, "not the JSON a provider prints"},
	}
	for _, tt := range tests {
		m, err := ParseReattach(tt.in)
		if tt.wantErr == "" {
			if err != nil || m["m"] != good["m"] {
				t.Errorf("ParseReattach(%s) = %v, %v", tt.in, m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseReattach(%s) error = %v, want %q", tt.in, err, tt.wantErr)
		}
	}
}
