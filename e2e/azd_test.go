package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

// fakeAzd stands in for the Azure Developer CLI: it answers `azd auth token`
// from files in AZD_CONFIG_DIR, logs each call there, and fails like azd
// 1.24 (JSON on stderr) when no one is signed in.
const fakeAzd = `#!/bin/sh
echo "$*" >> "$AZD_CONFIG_DIR/calls.log"
case "$*" in
"auth token"*) ;;
*) echo "fake azd: unexpected command: $*" >&2; exit 2 ;;
esac
if [ ! -f "$AZD_CONFIG_DIR/auth.json" ]; then
	echo '{"error":"not logged in, run ` + "`azd auth login`" + ` to login","message":"","suggestion":""}' >&2
	exit 1
fi
cat "$AZD_CONFIG_DIR/token.json"
`

// TestKubectlAzD: azd tokens are cached (upstream runs azd on every kubectl
// call), signing out takes effect at once, and a signed-out azd gives
// kubectl one line saying what to do.
func TestKubectlAzD(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	azdDir, fakeBin := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(fakeBin, "azd"), []byte(fakeAzd), 0o755); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	tok, err := c.em.SignToken(map[string]any{
		"aud": entraemu.AKSServerID, "iss": c.em.IssuerV2(entraemu.DefaultTenantID), "tid": entraemu.DefaultTenantID,
		"oid": "0ee6a5f2-683b-85b5-a30f-1ac270119221", "upn": entraemu.DefaultUserUPN, "ver": "2.0",
		"iat": time.Now().Unix(), "nbf": time.Now().Unix(), "exp": exp.Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"token": tok, "expiresOn": exp.UTC().Format(time.RFC3339)})
	writeAzd := func(name, content string) {
		if err := os.WriteFile(filepath.Join(azdDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAzd("token.json", string(out))
	writeAzd("auth.json", `{"auth":{"account":{"currentUser":{"homeAccountId":"alice"}}}}`)
	calls := func() int {
		b, _ := os.ReadFile(filepath.Join(azdDir, "calls.log"))
		return strings.Count(string(b), "\n")
	}

	kc := c.kubeconfig(t, execUser{args: []string{"get-token", "--login", "azd", "--server-id", entraemu.AKSServerID, "--tenant-id", entraemu.DefaultTenantID},
		env: map[string]string{"AZD_CONFIG_DIR": azdDir}})
	env := c.kubectlEnv(t, kc)
	env = append(env, "PATH="+fakeBin+string(os.PathListSeparator)+envValue(env, "PATH"))

	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	b, _ := os.ReadFile(filepath.Join(azdDir, "calls.log"))
	if calls() != 1 || !strings.Contains(string(b), "--scope "+entraemu.AKSServerID+"/.default --tenant-id "+entraemu.DefaultTenantID) {
		t.Fatalf("azd calls:\n%s", b)
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if calls() != 1 {
		t.Fatalf("the second kubectl ran azd again (%d calls): the token was not cached", calls())
	}

	// azd auth logout: the cache is keyed on azd's sign-in files, so the
	// cached token is not served; each run of kubelogin prints one line
	// saying what to do (kubectl retries, so it shows several).
	os.Remove(filepath.Join(azdDir, "auth.json"))
	const want = "Error: the Azure Developer CLI is not signed in: run `azd auth login` and retry"
	r := run(t, env, kubectl, "get", "nodes")
	good, bad := 0, 0
	for _, l := range strings.Split(r.stderr, "\n") {
		switch {
		case l == want:
			good++
		case strings.HasPrefix(l, "Error: "):
			bad++
		}
	}
	if r.code == 0 || good == 0 || bad != 0 {
		t.Fatalf("after azd auth logout: exit %d, want Error lines %q\n%s", r.code, want, r.stderr)
	}
	gt := run(t, append(env, "AZD_CONFIG_DIR="+azdDir), "kubelogin", "get-token", "--login", "azd", "--server-id", entraemu.AKSServerID)
	if gt.code != 1 || gt.stdout != "" || strings.TrimSpace(gt.stderr) != want {
		t.Fatalf("get-token after azd auth logout: exit %d\nstdout: %s\nstderr: %s", gt.code, gt.stdout, gt.stderr)
	}
}
