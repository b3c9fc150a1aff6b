package workloadidentity

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-workloadidentity", "workloadidentity")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestConformance runs the built binary through the go-plugin client, with
// the emulator's CA trusted through SSL_CERT_FILE as a user with a private CA would.
func TestConformance(t *testing.T) {
	f := newIdP(t)
	dir := t.TempDir()
	good, expired := filepath.Join(dir, "good"), filepath.Join(dir, "expired")
	writeFile(t, good, f.token(t, podSubject, time.Now()))
	writeFile(t, expired, f.token(t, podSubject, time.Now().Add(-2*time.Hour)))
	providertest.Run(t, binary, providertest.Options{
		Request: request(f, good),
		Env:     []string{"SSL_CERT_FILE=" + emutest.CertFile(t, f.Emulator)},
		Cases: []providertest.Case{
			{Name: "token file", Request: request(f, good), Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || r.Token.AccessToken == "" || len(r.Events) != 0 {
					t.Errorf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
			}},
			{Name: "expired token file", Request: request(f, expired), Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if sdk.CodeOf(r.Err) != sdk.CodeExpired {
					t.Errorf("err = %v (%v), want expired", r.Err, sdk.CodeOf(r.Err))
				}
			}},
		},
	})
}
