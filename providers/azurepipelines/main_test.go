package azurepipelines

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-azurepipelines", "azurepipelines")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestConformance runs the built binary through the go-plugin client with
// the job's variables in its environment, as the host passes them, and the
// fakes trusted through SSL_CERT_FILE.
func TestConformance(t *testing.T) {
	p := newPipeline(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := p.em.CA().WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	// The kit only knows the request's secrets; the job's token is checked here.
	noAccessToken := func(t *testing.T, pr *providertest.Provider, r providertest.Result) {
		if strings.Contains(pr.Stderr(), accessToken) || (r.Err != nil && strings.Contains(r.Err.Error(), accessToken)) {
			t.Error("the job's SYSTEM_ACCESSTOKEN reached stderr or the error")
		}
	}
	forbidden := request(p)
	forbidden.Extra["service_connection_id"] = forbiddenID
	providertest.Run(t, binary, providertest.Options{
		Request: request(p),
		Env:     []string{"SSL_CERT_FILE=" + caFile},
		Cases: []providertest.Case{
			{Name: "service connection", Request: request(p), Check: func(t *testing.T, pr *providertest.Provider, r providertest.Result) {
				if r.Err != nil || r.Token.AccessToken == "" || len(r.Events) != 0 {
					t.Errorf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
				noAccessToken(t, pr, r)
			}},
			{Name: "pipeline not authorized", Request: forbidden, Check: func(t *testing.T, pr *providertest.Provider, r providertest.Result) {
				if r.Err == nil || !strings.Contains(r.Err.Error(), "lacks permission") {
					t.Errorf("err = %v, want the OIDC endpoint's refusal", r.Err)
				}
				noAccessToken(t, pr, r)
			}},
		},
	})
}
