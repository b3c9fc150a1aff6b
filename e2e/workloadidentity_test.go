package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// workloadSubject is the service account the federation record trusts.
const workloadSubject = "system:serviceaccount:default:deployer"

// workload is an AKS workload identity set-up: an application that trusts
// the cluster's service account issuer, and the pod's projected token file.
type workload struct {
	em     *entraemu.Emulator
	issuer *entraemu.FederatedIssuer
	app    entraemu.Client
	file   string
}

func newWorkload(t *testing.T, c *cluster) *workload {
	t.Helper()
	// The issuer is only a name in the tokens: nothing contacts it.
	iss, err := entraemu.NewFederatedIssuer("https://oidc.kubelogin-e2e.invalid/issuer/")
	if err != nil {
		t.Fatal(err)
	}
	app := c.em.AddClient(entraemu.Client{ID: "3e1f7c2a-9b4d-4c6e-8a5f-2d7b9c0e1f3a", Name: "deployer-workload",
		FederatedCredentials: []entraemu.FederatedCredential{iss.Credential(workloadSubject)}})
	w := &workload{em: c.em, issuer: iss, app: app, file: filepath.Join(t.TempDir(), "azure-identity-token")}
	w.writeToken(t, 0)
	return w
}

// writeToken replaces the token file as the kubelet does, with a token that
// expires `expiresIn` from the emulator's now (negative: already expired).
func (w *workload) writeToken(t *testing.T, expiresIn time.Duration) {
	t.Helper()
	if expiresIn == 0 {
		expiresIn = time.Hour
	}
	now := w.em.Now()
	exp := now.Add(expiresIn)
	tok, err := w.issuer.Token(workloadSubject, exp.Add(-2*time.Hour), exp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.file, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
}

// env is what the workload identity webhook injects into a pod.
func (w *workload) env() []string {
	return []string{"AZURE_CLIENT_ID=" + w.app.ID, "AZURE_TENANT_ID=" + entraemu.DefaultTenantID, "AZURE_FEDERATED_TOKEN_FILE=" + w.file}
}

// TestKubectlWorkloadIdentity: a pod runs kubectl with a kubeconfig
// converted to workloadidentity; the token comes from the projected file,
// is cached, and a rotated file is read again once the token expires.
func TestKubectlWorkloadIdentity(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	w := newWorkload(t, c)
	kc := c.kubeconfig(t, execUser{args: []string{"get-token", "--login", "workloadidentity", "--server-id", entraemu.AKSServerID,
		"--authority-host", c.em.URL(), "--disable-instance-discovery"}})
	env := c.kubectlEnv(t, kc, w.env()...)

	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := c.em.Count("client_credentials"); n != 1 {
		t.Fatalf("token requests after the first kubectl = %d, want 1", n)
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := c.em.Count("client_credentials"); n != 1 {
		t.Fatalf("the second kubectl made a token request (%d in all): the cache was not used", n)
	}

	// Two hours on, the first federated token has expired; only the
	// rotated file can succeed.
	c.em.AdvanceClock(2 * time.Hour)
	w.writeToken(t, time.Hour)
	expireCachedTokens(t, homeCache(env))
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := c.em.Count("client_credentials"); n != 2 {
		t.Fatalf("token requests after the cached token expired = %d, want 2", n)
	}

	// An expired file is one actionable line from get-token, which kubectl
	// shows each time it runs the plugin.
	w.writeToken(t, -time.Minute)
	expireCachedTokens(t, homeCache(env))
	r := run(t, env, kubectl, "get", "nodes")
	if r.code != 1 {
		t.Fatalf("kubectl with an expired federated token: exit %d, want 1\n%s", r.code, r.stderr)
	}
	var errs []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "Error: ") {
			errs = append(errs, l)
		}
	}
	if len(errs) == 0 || errs[0] != errs[len(errs)-1] || !strings.Contains(errs[0], "AADSTS700024") ||
		!strings.Contains(errs[0], "federated token file "+w.file) || !strings.Contains(errs[0], "must be refreshed") {
		t.Fatalf("want Error lines naming the expired token file, got:\n%s", r.stderr)
	}
	gt := run(t, env, "kubelogin", "get-token", "--login", "workloadidentity", "--server-id", entraemu.AKSServerID,
		"--authority-host", c.em.URL(), "--disable-instance-discovery")
	if gt.code != 1 || gt.stdout != "" || strings.TrimSpace(gt.stderr) != errs[0] {
		t.Fatalf("get-token: exit %d, stdout %q, stderr %q; want exit 1 and only %q", gt.code, gt.stdout, gt.stderr, errs[0])
	}
}

// TestKubectlWorkloadIdentityGitHubActions: in a GitHub Actions job the
// host passes the job's OIDC endpoint through, and the provider asks it for
// the federated token; no token file is involved.
func TestKubectlWorkloadIdentityGitHubActions(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	const subject = "repo:contoso/infra:ref:refs/heads/main"
	c := newCluster(t, clusterOptions{})
	w := newWorkload(t, c)
	w.app.FederatedCredentials = append(w.app.FederatedCredentials, w.issuer.Credential(subject))
	c.em.AddClient(w.app)
	var calls atomic.Int32
	oidc := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "bearer job-runtime-token" || r.URL.Query().Get("audience") != "api://AzureADTokenExchange" {
			http.Error(rw, "unauthorized", http.StatusUnauthorized)
			return
		}
		now := c.em.Now()
		tok, err := w.issuer.Token(subject, now.Add(-time.Minute), now.Add(5*time.Minute))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(rw).Encode(map[string]string{"value": tok})
	}))
	tlsConfig, err := c.ca.ServerTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	oidc.TLS = tlsConfig
	oidc.StartTLS()
	t.Cleanup(oidc.Close)

	kc := c.kubeconfig(t, execUser{args: []string{"get-token", "--login", "workloadidentity", "--server-id", entraemu.AKSServerID,
		"--authority-host", c.em.URL(), "--disable-instance-discovery"}})
	env := c.kubectlEnv(t, kc, "AZURE_CLIENT_ID="+w.app.ID, "AZURE_TENANT_ID="+entraemu.DefaultTenantID,
		"ACTIONS_ID_TOKEN_REQUEST_URL="+oidc.URL+"/idtoken?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=job-runtime-token")
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := calls.Load(); n != 1 || c.em.Count("client_credentials") != 1 {
		t.Fatalf("OIDC endpoint calls = %d, token requests = %d; want 1 and 1", n, c.em.Count("client_credentials"))
	}
}

// TestSeedWorkflowWorkloadIdentity converts the kubeconfig az aks
// get-credentials wrote, then runs kubectl in a pod's environment.
func TestSeedWorkflowWorkloadIdentity(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	w := newWorkload(t, c)
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("devicecode")})
	env := c.kubectlEnv(t, kc, w.env()...)
	r := run(t, env, "kubelogin", "convert-kubeconfig", "-l", "workloadidentity",
		"--authority-host", c.em.URL(), "--disable-instance-discovery")
	if r.code != 0 || !strings.Contains(r.stderr, "to workloadidentity") {
		t.Fatalf("convert-kubeconfig: exit %d: %s", r.code, r.stderr)
	}
	// The AKS public client of the devicecode user must not be carried
	// over: as a flag it would beat the pod's AZURE_CLIENT_ID.
	if b := string(mustRead(t, kc)); strings.Contains(b, entraemu.AKSClientID) || !strings.Contains(b, "workloadidentity") {
		t.Fatalf("converted kubeconfig:\n%s", b)
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := c.em.Count("client_credentials"); n != 1 {
		t.Fatalf("client credential grants = %d, want 1", n)
	}
}
