package devicecode

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-devicecode", "devicecode")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestConformance runs the built binary through the go-plugin client and
// carries the state of the first sign-in into a second process.
func TestConformance(t *testing.T) {
	// The user signs in as soon as the code is issued.
	f := newFake(t, away, entraemu.Options{AccessTokenLifetime: time.Minute, AutoApproveDeviceCodeAfter: time.Millisecond})
	first, second := request(f), request(f)
	providertest.Run(t, binary, providertest.Options{
		Request: first,
		Env:     []string{"SSL_CERT_FILE=" + emutest.CertFile(t, f.Emulator)},
		Cases: []providertest.Case{
			{Name: "device code sign-in", Request: first, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || r.Count("device_code") != 1 || len(r.Token.State) == 0 || r.Token.Account != entraemu.DefaultUserUPN {
					t.Fatalf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
				second.State = r.Token.State
			}},
			{Name: "refresh from state in a new process", Request: second, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || len(r.Events) != 0 || len(r.Token.State) == 0 {
					t.Errorf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
				if calls := calls(f); calls[len(calls)-1] != "/"+tenant+"/oauth2/v2.0/token refresh_token" {
					t.Errorf("last call = %q, want a refresh_token grant", calls[len(calls)-1])
				}
			}},
		},
	})
}
