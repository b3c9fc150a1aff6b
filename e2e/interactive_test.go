package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// browserLog is where internal/cmd/testbrowser, the host's $BROWSER in
// these tests, notes every launch and sign-in.
type browserLog string

// withTestBrowser makes the host open sign-in pages in testbrowser, which
// signs in as the emulator's default user. BROWSER must reach kubelogin
// itself: the host, not the provider, opens the browser.
func withTestBrowser(t *testing.T, env []string) ([]string, browserLog) {
	t.Helper()
	log := browserLog(filepath.Join(t.TempDir(), "browser.log"))
	return append(env, "BROWSER="+filepath.Join(binDir, "testbrowser"), "TESTBROWSER_LOG="+string(log)), log
}

// opens counts browser launches and fails on a sign-in the browser
// could not complete.
func (l browserLog) opens(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(string(l))
	if os.IsNotExist(err) {
		return 0
	} else if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "open "):
			n++
		case strings.HasPrefix(line, "error: "):
			t.Fatalf("the test browser failed to sign in: %s", line)
		}
	}
	return n
}

const browserPrompt = "A browser window was opened to sign in. If it did not appear, open this URL yourself:"

// TestKubectlInteractive follows the AKS article's "Using an interactive
// web browser": the first kubectl opens the browser once and shows the URL
// on its stderr, with no stdin for the plugin; the second is served from
// the cache; after the access token expires, the refresh token renews it
// without a browser.
func TestKubectlInteractive(t *testing.T) {
	t.Parallel()
	for _, kubectl := range kubectls(t) {
		for _, m := range execModes {
			if m.interactiveMode == "IfAvailable" {
				continue // same as v1beta1 without a terminal
			}
			t.Run(filepath.Base(kubectl)+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				// Under five minutes, so MSAL's own cache never serves the
				// access token once kubelogin's entry has expired.
				c := newCluster(t, clusterOptions{tokenLifetime: 4 * time.Minute})
				kc := c.kubeconfig(t, execUser{apiVersion: m.apiVersion, interactiveMode: m.interactiveMode, args: c.aksArgs("interactive")})
				env, browser := withTestBrowser(t, c.kubectlEnv(t, kc))

				r := run(t, env, kubectl, "get", "nodes")
				requireNodes(t, r)
				requireSignedInOnce(t, c, r, browser)
				requireServedFromCache(t, c, env, kubectl, browser)

				expireCachedTokens(t, homeCache(env))
				refreshes := c.em.Count("refresh_token")
				r = run(t, env, kubectl, "get", "nodes")
				requireNodes(t, r)
				if got := c.em.Count("refresh_token"); got != refreshes+1 {
					t.Fatalf("refresh token grants = %d, want %d", got, refreshes+1)
				}
				if browser.opens(t) != 1 || strings.Contains(r.stderr, browserPrompt) {
					t.Fatalf("an expired access token led to a new browser sign-in:\n%s", r.stderr)
				}
			})
		}
	}
}

// TestKubectlInteractivePoP: a browser sign-in for PoP tokens, which the
// stand-in verifies for real, is cached and refreshed like a bearer one
// (Azure/kubelogin cannot cache interactive PoP without an OS keyring).
func TestKubectlInteractivePoP(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{tokenLifetime: 4 * time.Minute})
	popArgs := c.aksArgs("interactive", "--pop-enabled", "--pop-claims", "u="+popClusterID)
	kc := c.kubeconfig(t, execUser{apiVersion: "client.authentication.k8s.io/v1", interactiveMode: "Never", args: popArgs})
	env, browser := withTestBrowser(t, c.kubectlEnv(t, kc))

	r := run(t, env, kubectl, "get", "nodes")
	requireNodes(t, r)
	requireSchemes(t, c, "PoP")
	requireSignedInOnce(t, c, r, browser)
	requireServedFromCache(t, c, env, kubectl, browser)
	requireSchemes(t, c, "PoP")

	expireCachedTokens(t, homeCache(env))
	p := popTokenOf(t, run(t, env, "kubelogin", popArgs...))
	p.requireBound(t)
	p.requireSignedBy(t, filepath.Join(homeCache(env), "pop-key.pem"))
	if n := c.em.Count("refresh_token"); n != 1 || browser.opens(t) != 1 {
		t.Fatalf("after expiry: %d refresh token grants, %d browser launches; want 1 and 1", n, browser.opens(t))
	}
}

// requireSignedInOnce checks the first kubectl's sign-in: one browser
// launch, the URL on stderr, one authorization code redeemed.
func requireSignedInOnce(t *testing.T, c *cluster, r result, browser browserLog) {
	t.Helper()
	if n := browser.opens(t); n != 1 {
		t.Fatalf("browser launches = %d, want 1", n)
	}
	url := c.em.URL() + entraemu.DefaultTenantID + "/oauth2/v2.0/authorize?"
	if !strings.Contains(r.stderr, browserPrompt+"\n"+url) {
		t.Fatalf("kubectl's stderr does not show the sign-in URL:\n%s", r.stderr)
	}
	if n := c.em.Count("authorization_code"); n != 1 {
		t.Fatalf("authorization code grants = %d, want 1", n)
	}
}

// requireServedFromCache runs kubectl again and checks nothing reached
// Entra ID and no browser opened.
func requireServedFromCache(t *testing.T, c *cluster, env []string, kubectl string, browser browserLog) {
	t.Helper()
	before := c.em.Counts().Total
	r := run(t, env, kubectl, "get", "nodes")
	requireNodes(t, r)
	if after := c.em.Counts().Total; after != before {
		t.Fatalf("the second kubectl sent %d requests to Entra ID, want none", after-before)
	}
	if browser.opens(t) != 1 || strings.Contains(r.stderr, browserPrompt) {
		t.Fatalf("the second kubectl opened the browser again:\n%s", r.stderr)
	}
}
