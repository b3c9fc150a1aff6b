package ropc

import (
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
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-ropc", "ropc")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestConformance runs the built binary through the go-plugin client,
// carries the state of the password sign-in into a second process, and lets
// the kit check that neither password reaches stderr, errors or events.
func TestConformance(t *testing.T) {
	em := newEmulator(t, 4*time.Minute)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := em.CA().WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	first, second, wrong := request(em), request(em), request(em)
	wrong.Credentials.Password = "not-the-password-either"
	providertest.Run(t, binary, providertest.Options{
		Request: first,
		Env:     []string{"SSL_CERT_FILE=" + caFile},
		Cases: []providertest.Case{
			{Name: "password sign-in", Request: first, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || len(r.Token.State) == 0 || r.Token.Account != username || len(r.Events) != 0 {
					t.Fatalf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
				second.State = r.Token.State
			}},
			{Name: "refresh from state in a new process", Request: second, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || len(r.Token.State) == 0 {
					t.Errorf("result = %v, %v", r.Token, r.Err)
				}
				if p, rt := grants(em); p != 1 || rt != 1 {
					t.Errorf("%d password and %d refresh grants, want 1 and 1", p, rt)
				}
			}},
			{Name: "wrong password", Request: wrong, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if sdk.CodeOf(r.Err) != sdk.CodeInvalidRequest {
					t.Errorf("err = %v (%v), want invalid request", r.Err, sdk.CodeOf(r.Err))
				}
			}},
		},
	})
}
