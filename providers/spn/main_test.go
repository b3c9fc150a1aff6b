package spn

import (
	"fmt"
	"os"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-spn", "spn")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestConformance runs the built binary through the go-plugin client; the
// emulator's CA is trusted through SSL_CERT_FILE, as a user behind a TLS-inspecting
// proxy would configure it.
func TestConformance(t *testing.T) {
	em := newEmulator(t, entraemu.Client{Secret: secret})
	good := request(em.URL())
	good.Credentials.ClientSecret = secret
	bad := request(em.URL())
	bad.Credentials.ClientSecret = "wrong-secret-value"
	providertest.Run(t, binary, providertest.Options{
		Request: good,
		Env:     []string{"SSL_CERT_FILE=" + emutest.CertFile(t, em)},
		Cases: []providertest.Case{
			{Name: "secret", Request: good, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || r.Token.AccessToken == "" || len(r.Events) != 0 {
					t.Errorf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
			}},
			{Name: "wrong secret", Request: bad, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if sdk.CodeOf(r.Err) != sdk.CodeInvalidClient {
					t.Errorf("err = %v (%v), want invalid client", r.Err, sdk.CodeOf(r.Err))
				}
			}},
		},
	})
}
