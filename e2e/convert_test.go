package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// TestSeedWorkflowSPN follows the AKS article word for word: convert the
// kubeconfig az aks get-credentials wrote to spn, export the service
// principal, run kubectl.
func TestSeedWorkflowSPN(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("devicecode")})
	env := c.kubectlEnv(t, kc)
	r := run(t, env, "kubelogin", "convert-kubeconfig", "-l", "spn")
	if r.code != 0 || !strings.Contains(r.stderr, "to spn") {
		t.Fatalf("convert-kubeconfig: exit %d: %s", r.code, r.stderr)
	}
	env = append(env, "AAD_SERVICE_PRINCIPAL_CLIENT_ID="+c.spn.ID, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET="+c.spn.Secret)
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if got := c.em.Count("client_credentials"); got != 1 {
		t.Fatalf("client credential grants = %d, want 1", got)
	}
	b, _ := os.ReadFile(kc)
	if strings.Contains(string(b), c.spn.Secret) {
		t.Fatal("a secret from the environment was written into the kubeconfig")
	}
}

// TestLegacyAuthProviderToDeviceCode converts a kubeconfig from the legacy
// Azure AD integration (auth-provider azure, no config-mode): kubelogin adds
// --legacy, signs in on the v1 endpoint, and the token's audience carries
// the spn: prefix that such clusters expect.
func TestLegacyAuthProviderToDeviceCode(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{audiences: []string{"spn:" + entraemu.AKSServerID}})
	codes := c.approveDeviceCodes(t)
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("devicecode")})
	legacy := strings.Replace(string(mustRead(t, kc)), "    exec:", `    auth-provider:
      name: azure
      config:
        apiserver-id: `+entraemu.AKSServerID+`
        client-id: `+entraemu.AKSClientID+`
        tenant-id: `+entraemu.DefaultTenantID+`
        environment: AzurePublicCloud
    exec_unused:`, 1)
	if err := os.WriteFile(kc, []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	env := c.kubectlEnv(t, kc)
	r := run(t, env, "kubelogin", "convert-kubeconfig", "--kubeconfig", kc, "-l", "devicecode",
		"--authority-host", c.em.URL(), "--disable-instance-discovery")
	if r.code != 0 {
		t.Fatalf("convert-kubeconfig: %s", r.stderr)
	}
	if !strings.Contains(string(mustRead(t, kc)), "--legacy") {
		t.Fatalf("--legacy was not added:\n%s", mustRead(t, kc))
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := len(codes()); n != 1 {
		t.Fatalf("device codes issued = %d, want 1", n)
	}
	if got := c.em.CountPath("/oauth2/devicecode"); got != 1 {
		t.Fatalf("v1 device code requests = %d, want 1 (legacy uses the v1 endpoint)", got)
	}
	expireCachedTokens(t, homeCache(env))
	r = run(t, env, kubectl, "get", "nodes")
	requireNodes(t, r)
	if strings.Contains(r.stderr, "To sign in") || c.em.Count("refresh_token") != 1 {
		t.Fatalf("legacy refresh prompted or made no refresh grant (%d):\n%s", c.em.Count("refresh_token"), r.stderr)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
