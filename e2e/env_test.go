package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/internal/kubeapi"
	"github.com/kubelogin-dev/kubelogin/internal/kubectltest"
	"github.com/kubelogin-dev/kubelogin/internal/testca"
	"sigs.k8s.io/yaml"
)

// cluster is one Entra ID emulator plus one API server stand-in that
// trusts it, the way an AKS cluster trusts Entra ID.
type cluster struct {
	em     *entraemu.Emulator
	api    *kubeapi.Server
	ca     *testca.CA
	caFile string
	spn    entraemu.Client
	dir    string
}

type clusterOptions struct {
	tokenLifetime time.Duration
	audiences     []string
}

func newCluster(t *testing.T, o clusterOptions) *cluster {
	t.Helper()
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	em, err := entraemu.New(entraemu.Options{CA: ca, AccessTokenLifetime: o.tokenLifetime})
	if err != nil {
		t.Fatal(err)
	}
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	em.AddClient(entraemu.Client{ID: entraemu.AKSServerID, Name: "Azure Kubernetes Service AAD Server"})
	em.AddClient(entraemu.Client{ID: entraemu.AKSClientID, Name: "Azure Kubernetes Service AAD Client", Public: true})
	spn := em.AddClient(entraemu.Client{ID: "5a3c9f6e-2d41-4b8a-9e07-3f1c2b4d5e6f", Name: "ci-deployer", Secret: "e2e-spn-secret-value"})
	auds := o.audiences
	if len(auds) == 0 {
		auds = []string{entraemu.AKSServerID}
	}
	api, err := kubeapi.New(kubeapi.Config{
		CA:        ca,
		Issuers:   []string{em.IssuerV2(entraemu.DefaultTenantID), em.IssuerV1(entraemu.DefaultTenantID)},
		Audiences: auds,
		JWKSURL:   em.JWKSURL(entraemu.DefaultTenantID),
		Now:       em.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := ca.WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	return &cluster{em: em, api: api, ca: ca, caFile: caFile, spn: spn, dir: dir}
}

// execUser is the exec block of a kubeconfig user.
type execUser struct {
	apiVersion      string
	args            []string
	env             map[string]string
	interactiveMode string
}

// kubeconfig writes a kubeconfig shaped like `az aks get-credentials`
// output, pointing at the stand-in, and returns its path.
func (c *cluster) kubeconfig(t *testing.T, u execUser) string {
	t.Helper()
	if u.apiVersion == "" {
		u.apiVersion = "client.authentication.k8s.io/v1beta1"
	}
	exec := map[string]any{
		"apiVersion":         u.apiVersion,
		"command":            "kubelogin",
		"args":               u.args,
		"provideClusterInfo": false,
		"installHint":        "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
	}
	if u.interactiveMode != "" {
		exec["interactiveMode"] = u.interactiveMode
	}
	var env []map[string]string
	for k, v := range u.env {
		env = append(env, map[string]string{"name": k, "value": v})
	}
	if env != nil {
		exec["env"] = env
	}
	cfg := map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{
			"name": "aks-e2e",
			"cluster": map[string]any{
				"server":                     c.api.URL(),
				"certificate-authority-data": base64.StdEncoding.EncodeToString(c.ca.PEM()),
			},
		}},
		"contexts":        []any{map[string]any{"name": "aks-e2e", "context": map[string]any{"cluster": "aks-e2e", "user": "clusterUser_rg_aks-e2e"}}},
		"current-context": "aks-e2e",
		"users":           []any{map[string]any{"name": "clusterUser_rg_aks-e2e", "user": map[string]any{"exec": exec}}},
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// aksArgs are the args az aks get-credentials writes for managed Entra ID,
// plus what points kubelogin at this private "cloud".
func (c *cluster) aksArgs(mode string, extra ...string) []string {
	args := []string{"get-token", "--environment", "AzurePublicCloud", "--server-id", entraemu.AKSServerID,
		"--client-id", entraemu.AKSClientID, "--tenant-id", entraemu.DefaultTenantID, "--login", mode,
		"--authority-host", c.em.URL(), "--disable-instance-discovery"}
	return append(args, extra...)
}

// kubectlEnv is a user's shell: kubelogin on PATH, the private cloud's CA
// trusted, a fresh home.
func (c *cluster) kubectlEnv(t *testing.T, kubeconfig string, extra ...string) []string {
	env := append(baseEnv(t), "KUBECONFIG="+kubeconfig, "SSL_CERT_FILE="+c.caFile)
	return append(env, extra...)
}

// approveDeviceCodes approves every device code the emulator issues until
// the test ends, and counts them.
func (c *cluster) approveDeviceCodes(t *testing.T) func() []string {
	done := make(chan struct{})
	seen := make(chan string, 100)
	go func() {
		for {
			select {
			case <-done:
				return
			case dc := <-c.em.DeviceCodes():
				seen <- dc.UserCode
				_ = c.em.ApproveDeviceCode(dc.UserCode)
			}
		}
	}()
	t.Cleanup(func() { close(done) })
	return func() []string {
		var codes []string
		for {
			select {
			case code := <-seen:
				codes = append(codes, code)
			default:
				return codes
			}
		}
	}
}

// kubectlPath is the real kubectl the tests run: $KUBECTL, else kubectl on
// PATH. Without one the test skips, or fails in CI (internal/kubectltest).
func kubectlPath(t *testing.T) string {
	t.Helper()
	return kubectltest.Path(t)
}

// kubectls are the real kubectl binaries the tests run: kubectlPath and the
// oldest versioned build beside it (kubectl.1.27 on this machine image).
func kubectls(t *testing.T) []string {
	t.Helper()
	kubectl := kubectltest.Path(t)
	if versions := kubectltest.Versions(kubectl); len(versions) > 0 {
		return []string{kubectl, versions[0]}
	}
	return []string{kubectl}
}

func requireNodes(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 || !strings.Contains(r.stdout, "aks-nodepool1") {
		t.Fatalf("kubectl get nodes failed: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}
