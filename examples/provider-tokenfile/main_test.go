package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build(".", "tokenfile")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func jwtFile(t *testing.T, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	p := filepath.Join(t.TempDir(), "token")
	tok := enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(fmt.Sprintf(`{"aud":"s","exp":%d}`, exp.Unix()))) + ".c2ln"
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func request(file string) *sdk.Request {
	return &sdk.Request{LoginMode: "tokenfile", Scopes: []string{"s/.default"}, Extra: map[string]string{"file": file}}
}

// TestConformance is what a third party runs: the kit drives the real
// binary through the real handshake.
func TestConformance(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	expect := func(code sdk.ErrorCode) func(*testing.T, *providertest.Provider, providertest.Result) {
		return func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
			if sdk.CodeOf(r.Err) != code {
				t.Errorf("err = %v (%s), want %s", r.Err, sdk.CodeOf(r.Err), code)
			}
		}
	}
	// No Options.Request: that checks giving up on an identity provider
	// that never answers, and this provider talks to none.
	providertest.Run(t, binary, providertest.Options{
		Cases: []providertest.Case{
			{Name: "valid", Request: request(jwtFile(t, exp)), Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || !r.Token.ExpiresAt.Equal(exp) {
					t.Errorf("token %v, err %v", r.Token, r.Err)
				}
			}},
			{Name: "expired", Request: request(jwtFile(t, time.Now().Add(-time.Minute))), Check: expect(sdk.CodeExpired)},
			{Name: "no file argument", Request: request(""), Check: expect(sdk.CodeInvalidRequest)},
			{Name: "missing file", Request: request(filepath.Join(t.TempDir(), "absent")), Check: expect(sdk.CodeInvalidRequest)},
		},
	})
}
