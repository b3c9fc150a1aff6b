package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// An automation account that signs in with a password and has no MFA.
const ropcPassword = "e2e-ropc-password-value"

var ropcUser = "ci-robot@" + entraemu.DefaultTenantDomain

// newROPCCluster registers the automation account. Access tokens live under
// five minutes, so MSAL's own cache in the provider state never serves one
// once kubelogin's entry has expired: the next run must refresh.
func newROPCCluster(t *testing.T) *cluster {
	t.Helper()
	c := newCluster(t, clusterOptions{tokenLifetime: 4 * time.Minute})
	c.em.AddUser(entraemu.User{UPN: ropcUser, Password: ropcPassword})
	return c
}

// requireGrants checks how many password and refresh token grants reached
// Entra ID so far.
func requireGrants(t *testing.T, c *cluster, passwords, refreshes int) {
	t.Helper()
	if p, r := c.em.Count("password"), c.em.Count("refresh_token"); p != passwords || r != refreshes {
		t.Fatalf("%d password and %d refresh token grants, want %d and %d", p, r, passwords, refreshes)
	}
}

// requireOneError checks kubelogin failed with exactly one "Error:" line
// containing want, and that the password is nowhere in stderr.
func requireOneError(t *testing.T, r result, want string) {
	t.Helper()
	var errs []string
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(line, "Error: ") {
			errs = append(errs, line)
		}
	}
	if r.code == 0 || len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Fatalf("exit %d, want one Error line containing %q; stderr:\n%s", r.code, want, r.stderr)
	}
	if strings.Contains(r.stderr, ropcPassword) {
		t.Fatal("the password reached stderr")
	}
}

// TestKubectlROPC: with the account's username and password exported, plain
// kubectl works; the second call is served from the cache, and after the
// access token expires the refresh token renews it without the password.
func TestKubectlROPC(t *testing.T) {
	t.Parallel()
	for _, kubectl := range kubectls(t) {
		t.Run(filepath.Base(kubectl), func(t *testing.T) {
			t.Parallel()
			c := newROPCCluster(t)
			env := c.kubectlEnv(t, c.kubeconfig(t, execUser{args: c.aksArgs("ropc")}),
				"AZURE_USERNAME="+ropcUser, "AZURE_PASSWORD="+ropcPassword)

			var stderr strings.Builder
			r := run(t, env, kubectl, "get", "nodes")
			requireNodes(t, r)
			stderr.WriteString(r.stderr)
			requireGrants(t, c, 1, 0)
			if u := lastAPIUser(c); u != ropcUser {
				t.Fatalf("the API server authenticated %q, want %q", u, ropcUser)
			}

			before := c.em.Counts().Total
			r = run(t, env, kubectl, "get", "nodes")
			requireNodes(t, r)
			stderr.WriteString(r.stderr)
			if after := c.em.Counts().Total; after != before {
				t.Fatalf("the second kubectl sent %d requests to Entra ID, want none", after-before)
			}

			expireCachedTokens(t, homeCache(env))
			r = run(t, env, kubectl, "get", "nodes")
			requireNodes(t, r)
			stderr.WriteString(r.stderr)
			requireGrants(t, c, 1, 1)
			if strings.Contains(stderr.String(), ropcPassword) {
				t.Fatal("the password reached kubectl's stderr")
			}
		})
	}
}

// TestROPCPasswordNeverLogged runs get-token at the highest verbosity with
// the password as a flag and in each variable the host reads.
func TestROPCPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	c := newROPCCluster(t)
	const wrong = "not-the-password-but-still-secret"
	cases := []struct {
		name string
		args []string
		env  []string
		ok   bool
	}{
		{name: "flags", args: []string{"--username", ropcUser, "--password", ropcPassword}, ok: true},
		{name: "AZURE env", env: []string{"AZURE_USERNAME=" + ropcUser, "AZURE_PASSWORD=" + ropcPassword}, ok: true},
		{name: "AAD env", env: []string{"AAD_USER_PRINCIPAL_NAME=" + ropcUser, "AAD_USER_PRINCIPAL_PASSWORD=" + ropcPassword}, ok: true},
		{name: "wrong password flag", args: []string{"--username", ropcUser, "--password", wrong}},
		{name: "wrong password env", env: []string{"AZURE_USERNAME=" + ropcUser, "AZURE_PASSWORD=" + wrong}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append(c.kubectlEnv(t, "unused"), tc.env...)
			r := run(t, env, "kubelogin", c.aksArgs("ropc", append([]string{"-v", "10", "--no-cache"}, tc.args...)...)...)
			if (r.code == 0) != tc.ok {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, secret := range []string{ropcPassword, wrong} {
				if strings.Contains(r.stderr, secret) {
					t.Fatalf("stderr at -v 10 contains a password:\n%s", r.stderr)
				}
			}
			if tc.ok {
				if tok := tokenOf(t, r.stdout); strings.Contains(r.stderr, tok[:40]) {
					t.Fatal("stderr contains the access token")
				}
			} else {
				requireOneError(t, r, "AADSTS50126: Error validating credentials due to invalid username or password: check --username (AZURE_USERNAME) and --password (AZURE_PASSWORD)")
			}
			if !strings.Contains(r.stderr, "[DEBUG]") && !strings.Contains(r.stderr, "[TRACE]") {
				t.Fatalf("-v 10 logged nothing, so the check proves nothing:\n%s", r.stderr)
			}
		})
	}
}

// TestKubectlROPCErrors: each failure is one actionable line on kubectl's
// stderr, and a refused password is sent once per kubelogin run, never
// retried (retries lead to account lockout).
func TestKubectlROPCErrors(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	tests := []struct {
		name     string
		password string
		setup    func(t *testing.T, c *cluster, env []string)
		want     string
	}{
		{name: "wrong password", password: "wrong-password-value",
			want: "Error: AADSTS50126: Error validating credentials due to invalid username or password: check --username (AZURE_USERNAME) and --password (AZURE_PASSWORD)"},
		{name: "MFA required", password: ropcPassword, setup: func(t *testing.T, c *cluster, _ []string) {
			if err := c.em.SetRequireMFA(entraemu.AKSClientID, true); err != nil {
				t.Fatal(err)
			}
		}, want: "AADSTS50076: Due to a configuration change made by your administrator"},
		{name: "password changed after sign-in", password: ropcPassword, setup: func(t *testing.T, c *cluster, env []string) {
			requireNodes(t, run(t, env, kubectl, "get", "nodes"))
			c.em.AddUser(entraemu.User{UPN: ropcUser, Password: "the-new-password-value"})
			c.em.RevokeRefreshTokens()
			expireCachedTokens(t, homeCache(env))
		}, want: "AADSTS50126"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newROPCCluster(t)
			args := c.aksArgs("ropc")
			env := c.kubectlEnv(t, c.kubeconfig(t, execUser{args: args}), "AZURE_USERNAME="+ropcUser, "AZURE_PASSWORD="+tt.password)
			if tt.setup != nil {
				tt.setup(t, c, env)
			}
			r := run(t, env, kubectl, "get", "--raw", "/api/v1/nodes")
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, tt.password) {
				t.Fatalf("kubectl: exit %d, want an error containing %q; stderr:\n%s", r.code, tt.want, r.stderr)
			}
			if strings.Contains(tt.want, "AADSTS50076") && !strings.Contains(r.stderr, "use `-l interactive`") {
				t.Errorf("MFA error does not advise -l interactive:\n%s", r.stderr)
			}

			before := c.em.Count("password")
			requireOneError(t, run(t, env, "kubelogin", args...), tt.want)
			if n := c.em.Count("password") - before; n != 1 {
				t.Errorf("one get-token sent the password %d times, want once", n)
			}
		})
	}
}

// TestROPCLegacyRefused: upstream kubelogin has no v1 ropc flow, so the host
// refuses --legacy before anything reaches Entra ID.
func TestROPCLegacyRefused(t *testing.T) {
	t.Parallel()
	c := newROPCCluster(t)
	env := append(c.kubectlEnv(t, "unused"), "AZURE_USERNAME="+ropcUser, "AZURE_PASSWORD="+ropcPassword)
	r := run(t, env, "kubelogin", c.aksArgs("ropc", "--legacy")...)
	if r.stdout != "" {
		t.Errorf("stdout must stay empty, got %q", r.stdout)
	}
	const want = "Error: login mode ropc does not support --legacy"
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); r.code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Fatalf("exit %d, stderr = %q, want one line starting %q", r.code, r.stderr, want)
	}
	if n := c.em.Counts().Total; n != 0 {
		t.Errorf("%d requests reached Entra ID, want none", n)
	}
}
