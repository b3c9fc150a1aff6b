package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var execModes = []struct {
	name, apiVersion, interactiveMode string
}{
	{name: "v1beta1", apiVersion: "client.authentication.k8s.io/v1beta1"},
	{name: "v1", apiVersion: "client.authentication.k8s.io/v1", interactiveMode: "IfAvailable"},
	// No stdin for the plugin: device code must still work (Azure/kubelogin#150).
	{name: "v1-never", apiVersion: "client.authentication.k8s.io/v1", interactiveMode: "Never"},
}

// TestKubectlServicePrincipal follows the AKS article: a kubeconfig for -l
// spn, the service principal's id and secret exported, then plain kubectl.
func TestKubectlServicePrincipal(t *testing.T) {
	t.Parallel()
	for _, kubectl := range kubectls(t) {
		for _, m := range execModes {
			t.Run(filepath.Base(kubectl)+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				c := newCluster(t, clusterOptions{})
				kc := c.kubeconfig(t, execUser{apiVersion: m.apiVersion, interactiveMode: m.interactiveMode, args: c.aksArgs("spn")})
				env := c.kubectlEnv(t, kc,
					"AAD_SERVICE_PRINCIPAL_CLIENT_ID="+c.spn.ID,
					"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET="+c.spn.Secret)

				requireNodes(t, run(t, env, kubectl, "get", "nodes"))
				if n := c.em.Count("client_credentials"); n != 1 {
					t.Fatalf("token requests after the first kubectl = %d, want 1", n)
				}
				r := run(t, env, kubectl, "get", "nodes")
				requireNodes(t, r)
				if n := c.em.Count("client_credentials"); n != 1 {
					t.Fatalf("the second kubectl made a token request (%d in all): the cache was not used", n)
				}
				if strings.Contains(r.stderr, c.spn.Secret) {
					t.Fatal("the client secret reached stderr")
				}
			})
		}
	}
}

// TestKubectlDeviceCode: the first kubectl shows the device code prompt on
// its stderr; the second is served from the cache; after the access token
// expires, a refresh token grant renews it without a new prompt.
func TestKubectlDeviceCode(t *testing.T) {
	t.Parallel()
	for _, kubectl := range kubectls(t) {
		for _, m := range execModes {
			t.Run(filepath.Base(kubectl)+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				// Under five minutes, so MSAL's own cache never serves the
				// access token once kubelogin's entry has expired.
				c := newCluster(t, clusterOptions{tokenLifetime: 4 * time.Minute})
				codes := c.approveDeviceCodes(t)
				kc := c.kubeconfig(t, execUser{apiVersion: m.apiVersion, interactiveMode: m.interactiveMode, args: c.aksArgs("devicecode")})
				env := c.kubectlEnv(t, kc)

				r := run(t, env, kubectl, "get", "nodes")
				requireNodes(t, r)
				issued := codes()
				if len(issued) != 1 {
					t.Fatalf("device codes issued = %v, want exactly one", issued)
				}
				if !strings.Contains(r.stderr, "To sign in, use a web browser to open the page") || !strings.Contains(r.stderr, issued[0]) {
					t.Fatalf("kubectl's stderr does not show the device code prompt:\n%s", r.stderr)
				}

				before := c.em.Counts().Total
				r = run(t, env, kubectl, "get", "nodes")
				requireNodes(t, r)
				if after := c.em.Counts().Total; after != before {
					t.Fatalf("the second kubectl sent %d requests to Entra ID, want none", after-before)
				}
				if strings.Contains(r.stderr, "To sign in") {
					t.Fatalf("the second kubectl prompted again:\n%s", r.stderr)
				}

				expireCachedTokens(t, filepath.Join(envValue(env, "HOME"), ".kube", "cache", "kubelogin"))
				devicecodes := c.em.CountPath("/oauth2/v2.0/devicecode")
				refreshes := c.em.Count("refresh_token")
				r = run(t, env, kubectl, "get", "nodes")
				requireNodes(t, r)
				if got := c.em.Count("refresh_token"); got != refreshes+1 {
					t.Fatalf("refresh token grants = %d, want %d", got, refreshes+1)
				}
				if got := c.em.CountPath("/oauth2/v2.0/devicecode"); got != devicecodes || strings.Contains(r.stderr, "To sign in") {
					t.Fatalf("an expired access token led to a new device code prompt:\n%s", r.stderr)
				}
			})
		}
	}
}

// expireCachedTokens moves every cached token's expiry into the past, as if
// its lifetime had run out, keeping the provider state.
func expireCachedTokens(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no cache entries in %s", dir)
	}
	for _, f := range files {
		rewriteEntry(t, f, expireEntry)
	}
}

// TestKubectlRevokedSignIn: when Entra ID rejects the stored refresh token,
// kubelogin drops it, says so, and signs in again with one new device code.
func TestKubectlRevokedSignIn(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{tokenLifetime: 4 * time.Minute})
	codes := c.approveDeviceCodes(t)
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("devicecode")})
	env := c.kubectlEnv(t, kc)
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := c.em.RevokeRefreshTokens(); n == 0 {
		t.Fatal("the emulator had no refresh token to revoke")
	}
	expireCachedTokens(t, homeCache(env))
	r := run(t, env, kubectl, "get", "nodes")
	requireNodes(t, r)
	if !strings.Contains(r.stderr, "The stored sign-in has expired or was revoked; signing in again.") || strings.Count(r.stderr, "To sign in") != 1 {
		t.Fatalf("want one notice and one new prompt, got:\n%s", r.stderr)
	}
	if got := len(codes()); got != 2 {
		t.Fatalf("device codes issued = %d, want 2 (first sign-in and the new one)", got)
	}
}
