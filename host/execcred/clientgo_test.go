package execcred

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	v1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	"k8s.io/client-go/pkg/apis/clientauthentication/v1beta1"
)

// TestClientGoDecodes checks the output against client-go's own types. The
// host writes the JSON itself so a cache hit does not pay for loading the
// Kubernetes API machinery; this test keeps the two in step.
func TestClientGoDecodes(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	tests := []struct {
		version string
		decode  func([]byte) (string, string, time.Time, error)
	}{
		{V1, func(b []byte) (string, string, time.Time, error) {
			var c v1.ExecCredential
			err := json.Unmarshal(b, &c)
			return c.APIVersion, c.Status.Token, c.Status.ExpirationTimestamp.Time, err
		}},
		{V1beta1, func(b []byte) (string, string, time.Time, error) {
			var c v1beta1.ExecCredential
			err := json.Unmarshal(b, &c)
			return c.APIVersion, c.Status.Token, c.Status.ExpirationTimestamp.Time, err
		}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := Write(&buf, Info{APIVersion: tt.version}, "header.payload.sig", exp); err != nil {
			t.Fatal(err)
		}
		version, token, got, err := tt.decode(buf.Bytes())
		if err != nil || version != tt.version || token != "header.payload.sig" || !got.Equal(exp) {
			t.Errorf("%s: client-go read %q %q %s (%v) from %s", tt.version, version, token, got, err, buf.String())
		}
	}
}
