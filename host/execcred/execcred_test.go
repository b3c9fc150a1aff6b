package execcred

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, env   string
		want        Info
		errContains string
	}{
		{name: "unset", env: "", want: Info{APIVersion: V1beta1}},
		{name: "v1 interactive", env: `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`, want: Info{APIVersion: V1, Interactive: true}},
		{name: "v1beta1 with cluster", env: `{"apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"cluster":{"server":"https://x"},"interactive":false}}`, want: Info{APIVersion: V1beta1}},
		{name: "empty apiVersion", env: `{"spec":{}}`, want: Info{APIVersion: V1beta1}},
		{name: "v1alpha1", env: `{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`, errContains: "v1alpha1"},
		{name: "garbage", env: `{not json`, errContains: "KUBERNETES_EXEC_INFO is not an ExecCredential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.env)
			if tt.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContains) {
					t.Fatalf("Parse error = %v, want it to contain %q", err, tt.errContains)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans several lines: %q", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))
	for _, v := range []string{V1, V1beta1} {
		t.Run(v, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, Info{APIVersion: v, Interactive: true}, "tok", exp); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Fatalf("want exactly one line, got %q", out)
			}
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			status := got["status"].(map[string]any)
			if got["apiVersion"] != v || got["kind"] != "ExecCredential" || status["token"] != "tok" || status["expirationTimestamp"] != "2030-01-02T02:04:05Z" {
				t.Fatalf("unexpected credential %s", out)
			}
		})
	}
}
