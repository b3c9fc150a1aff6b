package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

const (
	// pipelinesSubject is the service connection the federation record trusts.
	pipelinesSubject      = "sc://contoso/aks-infra/aks-deploy"
	pipelinesConnectionID = "0b7e3c1d-9a4f-4e2b-8c6d-5f1a2b3c4d5e"
	// pipelinesAccessToken is the job's System.AccessToken.
	pipelinesAccessToken = "job-system-access-token-7c2e9d4f"
)

// startPipelineOIDC serves an Azure Pipelines job's OIDC endpoint over the
// cluster's CA, minting tokens of iss for the service connection when the
// request carries the job's token, and counts its calls.
func startPipelineOIDC(t *testing.T, c *cluster, iss *entraemu.FederatedIssuer) (uri string, calls *atomic.Int32) {
	t.Helper()
	calls = new(atomic.Int32)
	const path = "/contoso/aks-infra/_apis/distributedtask/hubs/build/plans/p1/jobs/j1/oidctoken"
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		if r.Method != http.MethodPost || r.URL.Path != path || q.Get("api-version") != "7.1" ||
			r.Header.Get("Authorization") != "Bearer "+pipelinesAccessToken || q.Get("serviceConnectionId") != pipelinesConnectionID {
			http.Error(rw, `{"message":"TF400813: The user is not authorized to access this resource."}`, http.StatusUnauthorized)
			return
		}
		now := c.em.Now()
		tok, err := iss.Token(pipelinesSubject, now.Add(-time.Minute), now.Add(5*time.Minute))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(rw).Encode(map[string]string{"oidcToken": tok})
	}))
	tlsConfig, err := c.ca.ServerTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = tlsConfig
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL + path, calls
}

// TestKubectlAzurePipelines: an AzureCLI@2 task with System.AccessToken
// mapped runs kubectl; the token comes from the service connection's
// federated credential, is cached, and the job's token is never logged.
func TestKubectlAzurePipelines(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	iss, err := entraemu.NewFederatedIssuer("https://vstoken.dev.azure.com/2c5e8f1a-7b3d-4e9c-a6f0-1d2b3c4e5f6a")
	if err != nil {
		t.Fatal(err)
	}
	app := c.em.AddClient(entraemu.Client{ID: "3e1f7c2a-9b4d-4c6e-8a5f-2d7b9c0e1f3a", Name: "aks-deploy-connection",
		FederatedCredentials: []entraemu.FederatedCredential{iss.Credential(pipelinesSubject)}})
	uri, calls := startPipelineOIDC(t, c, iss)
	args := []string{"get-token", "--login", "azurepipelines", "--server-id", entraemu.AKSServerID, "--tenant-id", entraemu.DefaultTenantID,
		"--authority-host", c.em.URL(), "--disable-instance-discovery"}
	kc := c.kubeconfig(t, execUser{args: args})
	task := []string{"AZURESUBSCRIPTION_CLIENT_ID=" + app.ID, "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID=" + pipelinesConnectionID,
		"SYSTEM_OIDCREQUESTURI=" + uri}
	env := c.kubectlEnv(t, kc, append(task, "SYSTEM_ACCESSTOKEN="+pipelinesAccessToken)...)

	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n, m := calls.Load(), c.em.Count("client_credentials"); n != 1 || m != 1 {
		t.Fatalf("after the first kubectl: %d OIDC calls and %d token requests, want 1 and 1", n, m)
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n, m := calls.Load(), c.em.Count("client_credentials"); n != 1 || m != 1 {
		t.Fatalf("the second kubectl asked again (%d OIDC calls, %d token requests): the cache was not used", n, m)
	}

	// At the highest verbosity a real exchange logs much, but not the job's token.
	r := run(t, env, "kubelogin", append(args, "-v", "10", "--no-cache")...)
	if r.code != 0 || calls.Load() != 2 {
		t.Fatalf("get-token -v 10: exit %d after %d OIDC calls: %s", r.code, calls.Load(), r.stderr)
	}
	tokenOf(t, r.stdout)
	if strings.Contains(r.stderr, pipelinesAccessToken) {
		t.Fatalf("stderr at -v 10 contains SYSTEM_ACCESSTOKEN:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "[DEBUG]") && !strings.Contains(r.stderr, "[TRACE]") {
		t.Fatalf("-v 10 logged nothing, so the check proves nothing:\n%s", r.stderr)
	}

	// A task that did not map System.AccessToken gets told how to.
	r = run(t, c.kubectlEnv(t, kc, task...), "kubelogin", append(args, "--no-cache")...)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "SYSTEM_ACCESSTOKEN is not set: map it into the task's env (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))") {
		t.Fatalf("get-token without SYSTEM_ACCESSTOKEN: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
}
