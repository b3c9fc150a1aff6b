package interactive

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-interactive", "interactive")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestConformance runs the built binary through the go-plugin client: it
// refreshes the state of an earlier sign-in in a new process, and asks the
// host to open the sign-in URL, giving up with its listener closed when
// nobody signs in.
func TestConformance(t *testing.T) {
	em := newEmulator(t, entraemu.Options{AccessTokenLifetime: 4 * time.Minute})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := em.CA().WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	refresh := request(em)
	refresh.State = firstRun(t, em, request(em), "").tok.State
	unattended := request(em)
	unattended.Timeout = time.Second

	providertest.Run(t, binary, providertest.Options{
		Request: request(em),
		Env:     []string{"SSL_CERT_FILE=" + caFile},
		Cases: []providertest.Case{
			{Name: "refresh from state in a new process", Request: refresh, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || len(r.Events) != 0 || len(r.Token.State) == 0 || r.Token.Account != entraemu.DefaultUserUPN {
					t.Fatalf("result = %v, %v, events %v", r.Token, r.Err, r.Events)
				}
				if n := em.Count("refresh_token"); n != 1 {
					t.Errorf("refresh token grants = %d, want 1", n)
				}
			}},
			{Name: "asks the host to open the sign-in URL", Request: unattended, Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if sdk.CodeOf(r.Err) != sdk.CodeCancelled || r.Count("open_url") != 1 || len(r.Events) != 1 {
					t.Fatalf("result = %v (%v), events %v; want one open_url event, then a timeout", r.Err, sdk.CodeOf(r.Err), r.Events)
				}
				u, err := url.Parse(r.Events[0].Text)
				if err != nil || !strings.HasPrefix(u.String(), em.URL()) || !strings.HasPrefix(u.Query().Get("redirect_uri"), "http://localhost:") {
					t.Errorf("open_url = %s", r.Events[0].Text)
				}
			}},
		},
	})
}
