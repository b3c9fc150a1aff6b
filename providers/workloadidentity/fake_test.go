package workloadidentity

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/entraemu/emutest"
)

// Subjects of the federated tokens: the pod's service account (and the one
// it has after a rotation), one Entra ID has no record for, and a GitHub
// Actions job.
const (
	podSubject      = "system:serviceaccount:default:workload"
	rotatedSubject  = "system:serviceaccount:default:workload-rotated"
	strangerSubject = "system:serviceaccount:default:other"
	actionsSubject  = "repo:contoso/infra:ref:refs/heads/main"
)

// idp is the Entra ID emulator with an application federated with a
// cluster's service account issuer and with GitHub Actions, and a GitHub
// Actions job's OIDC endpoint at /actions/idtoken (loopback TLS from the
// emulator's CA), which the emulator does not play.
type idp struct {
	*entraemu.Emulator
	cluster, github *entraemu.FederatedIssuer
	actions         *httptest.Server

	mu    sync.Mutex
	calls []*http.Request
	// actionsStatus, when set, is the OIDC endpoint's error status.
	actionsStatus int
	// actionsEmpty makes the OIDC endpoint's reply hold no token.
	actionsEmpty bool
}

func newIdP(t *testing.T) *idp {
	t.Helper()
	cluster, err := entraemu.NewFederatedIssuer("https://oidc.prod-aks.azure.com/9b1d3f5a-7c2e-4a6b-8d0f-1e3c5a7b9d2f/")
	if err != nil {
		t.Fatal(err)
	}
	github, err := entraemu.NewFederatedIssuer("https://token.actions.githubusercontent.com")
	if err != nil {
		t.Fatal(err)
	}
	f := &idp{cluster: cluster, github: github}
	f.Emulator = emutest.Start(t, entraemu.Options{}, func(em *entraemu.Emulator) {
		em.AddClient(entraemu.Client{ID: clientID, Name: "workload", FederatedCredentials: []entraemu.FederatedCredential{
			cluster.Credential(podSubject), cluster.Credential(rotatedSubject), github.Credential(actionsSubject),
		}})
	})
	f.actions = httptest.NewUnstartedServer(http.HandlerFunc(f.oidc))
	if f.actions.TLS, err = f.CA().ServerTLSConfig(); err != nil {
		t.Fatal(err)
	}
	f.actions.StartTLS()
	t.Cleanup(f.actions.Close)
	return f
}

// token mints the cluster's token for subject, valid for an hour from
// start (a past start mints an expired one).
func (f *idp) token(t *testing.T, subject string, start time.Time) string {
	t.Helper()
	tok, err := f.cluster.Token(subject, start, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// assertions lists the subject of every client assertion Entra ID received.
func (f *idp) assertions() []string {
	var out []string
	for _, r := range f.Requests() {
		if r.Credential == "assertion" {
			out = append(out, r.AssertionSubject)
		}
	}
	return out
}

// tokenRequests lists the token requests Entra ID received.
func (f *idp) tokenRequests() []entraemu.Request {
	var out []entraemu.Request
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/token") {
			out = append(out, r)
		}
	}
	return out
}

// oidcRequests lists the calls to the GitHub Actions OIDC endpoint.
func (f *idp) oidcRequests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.calls...)
}

func (f *idp) oidc(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls = append(f.calls, r.Clone(r.Context()))
	status, empty := f.actionsStatus, f.actionsEmpty
	f.mu.Unlock()
	if status != 0 {
		http.Error(w, `{"message":"Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"}`, status)
		return
	}
	value := ""
	if !empty {
		now := time.Now()
		tok, err := f.github.Token(actionsSubject, now, now.Add(5*time.Minute))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		value = tok
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"count": 1, "value": value})
}

// writeFile writes a federated token file, as the kubelet does on rotation.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
