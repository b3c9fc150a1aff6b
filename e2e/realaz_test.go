package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// requireRealAz finds Debian's azure-cli. In CI (CI set) a missing az fails
// the test: .ci/run installs it. Locally the test is skipped with a message.
func requireRealAz(t *testing.T) string {
	t.Helper()
	az, err := exec.LookPath("az")
	if err == nil {
		return az
	}
	if os.Getenv("CI") != "" {
		t.Fatal("az is missing: .ci/run installs Debian's azure-cli (apt-get install azure-cli)")
	}
	t.Skip("az is not installed (apt-get install azure-cli); the real Azure CLI tests run in CI")
	return ""
}

// azEnv is a shell with the Azure CLI behind the proxy: its own config
// dir, no telemetry or survey, and the private CA in REQUESTS_CA_BUNDLE
// (Python ignores SSL_CERT_FILE). az is found on the machine's PATH.
func (c *proxiedCluster) azEnv(t *testing.T, kubeconfig, azDir string) []string {
	return c.env(t, kubeconfig, "AZURE_CONFIG_DIR="+azDir, "AZURE_CORE_COLLECT_TELEMETRY=false", "AZURE_CORE_SURVEY_MESSAGE=false")
}

func azRun(t *testing.T, env []string, az string, args ...string) {
	t.Helper()
	if r := run(t, env, az, append(args, "--only-show-errors", "-o", "none")...); r.code != 0 {
		t.Fatalf("az %s: exit %d\n%s", args[0], r.code, r.stderr)
	}
}

// TestRealAzureCLI signs the real `az` in to the emulator through the proxy
// (username and password, then a service principal) and runs kubectl with a
// kubeconfig converted to azurecli: the first call runs az, the second is a
// cache hit; `az account set` and `az logout` take effect at once. az calls
// take seconds: each step makes as few as it can.
func TestRealAzureCLI(t *testing.T) {
	t.Parallel()
	az := requireRealAz(t)
	c := newProxiedCluster(t)
	c.em.AddClient(entraemu.Client{ID: entraemu.AzureCLIClientID, Name: "Microsoft Azure CLI", Public: true})
	c.em.AddUser(entraemu.User{UPN: ropcUser, Password: ropcPassword})
	// Rebuild the proxy's subscriptions: two, so `az account set` has somewhere to go.
	c.proxy.Close()
	proxy, err := c.em.StartProxy(entraemu.ProxyOptions{Subscriptions: []entraemu.Subscription{
		{ID: entraemu.DefaultSubscriptionID, Name: "first", TenantID: entraemu.DefaultTenantID},
		{ID: "9f3c2b1a-0000-4000-8000-00000000beef", Name: "second", TenantID: entraemu.DefaultTenantID},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	c.proxy = proxy

	azDir := filepath.Join(t.TempDir(), "azure")
	kc := c.aksKubeconfig(t, "azurecli")
	env := c.azEnv(t, kc, azDir)
	// kubelogin finds az through a shim that notes each call and runs the real az.
	shimDir, log := t.TempDir(), filepath.Join(t.TempDir(), "az-calls.log")
	shim := "#!/bin/sh\necho \"$*\" >> '" + log + "'\nexec '" + az + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shimDir, "az"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	env = append(env, "PATH="+binDir+string(os.PathListSeparator)+shimDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	calls := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "account get-access-token")
	}
	azRun(t, env, az, "login", "-u", ropcUser, "-p", ropcPassword, "--tenant", entraemu.DefaultTenantID)

	requireNodes(t, run(t, env, kubectlPath(t), "get", "nodes"))
	if calls() != 1 || c.em.Count("refresh_token") != 1 {
		t.Fatalf("the first kubectl ran az %d times (%d refresh token grants), want once", calls(), c.em.Count("refresh_token"))
	}
	if u := lastAPIUser(c.cluster); u != ropcUser {
		t.Fatalf("the API server authenticated %q, want %q", u, ropcUser)
	}
	requireNodes(t, run(t, env, kubectlPath(t), "get", "nodes"))
	if calls() != 1 {
		t.Fatal("the second kubectl ran az again: the token was not cached")
	}

	// az account set: the CLI's profile changed, so kubelogin asks az again (az answers from its own cache).
	azRun(t, env, az, "account", "set", "--subscription", "second")
	requireNodes(t, run(t, env, kubectlPath(t), "get", "nodes"))
	if calls() != 2 {
		t.Fatal("after az account set the cached token was still served")
	}

	// A service principal signs in (az logout first): another account, another token.
	azRun(t, env, az, "logout")
	r := run(t, env, kubectlPath(t), "get", "nodes")
	if r.code == 0 || !strings.Contains(r.stderr, "az login") {
		t.Fatalf("after az logout: exit %d, want an error that says az login\n%s", r.code, r.stderr)
	}
	azRun(t, env, az, "login", "--service-principal", "-u", c.spn.ID, "-p", c.spn.Secret, "--tenant", entraemu.DefaultTenantID)
	requireNodes(t, run(t, env, kubectlPath(t), "get", "nodes"))
	if u := lastAPIUser(c.cluster); u != c.spn.ObjectID {
		t.Fatalf("after az login --service-principal the API server authenticated %q, want the service principal %s", u, c.spn.ObjectID)
	}
}

// TestAzureCLIMissing: without az on PATH, kubectl's user is told how to
// install it.
func TestAzureCLIMissing(t *testing.T) {
	t.Parallel()
	c := newProxiedCluster(t)
	kc := c.aksKubeconfig(t, "azurecli")
	env := c.azEnv(t, kc, t.TempDir())
	env = append(env, "PATH="+binDir) // kubelogin, its providers, nothing else
	r := run(t, env, kubectlPath(t), "get", "--raw", "/api/v1/nodes")
	if r.code == 0 || !strings.Contains(r.stderr, "install") || !strings.Contains(r.stderr, "Azure CLI") {
		t.Fatalf("without az: exit %d, want an error that says how to install the Azure CLI\n%s", r.code, r.stderr)
	}
}
