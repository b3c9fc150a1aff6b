package tokencheck

import (
	"encoding/base64"
	"strings"
	"testing"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestCheckAudience(t *testing.T) {
	tests := []struct {
		name, token, want, err string
	}{
		{name: "match", token: jwt(`{"aud":"6dae"}`), want: "6dae"},
		{name: "match in list", token: jwt(`{"aud":["x","6dae"]}`), want: "6dae"},
		{name: "legacy match", token: jwt(`{"aud":"spn:6dae"}`), want: "spn:6dae"},
		{name: "legacy token without --legacy", token: jwt(`{"aud":"spn:6dae"}`), want: "6dae", err: "drop --legacy"},
		{name: "v2 token with --legacy", token: jwt(`{"aud":"6dae"}`), want: "spn:6dae", err: "remove --legacy"},
		{name: "other server", token: jwt(`{"aud":"other"}`), want: "6dae", err: `audience is "other" but "6dae" was expected: check --server-id`},
		{name: "not a jwt", token: "opaque", want: "6dae", err: "not a JWT"},
		{name: "bad payload", token: "a.!!!.c", want: "6dae", err: "decoding"},
		{name: "aud is a number", token: jwt(`{"aud":5}`), want: "6dae", err: "neither a string nor a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckAudience(tt.token, tt.want)
			if tt.err == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
}
