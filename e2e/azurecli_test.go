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

// fakeAz stands in for the Azure CLI: it answers `az account get-access-token`
// from files in AZURE_CONFIG_DIR, logs each call there, and fails like az
// when no one is signed in.
const fakeAz = `#!/bin/sh
echo "$*" >> "$AZURE_CONFIG_DIR/calls.log"
case "$*" in
"account get-access-token"*) ;;
*) echo "fake az: unexpected command: $*" >&2; exit 2 ;;
esac
if [ ! -f "$AZURE_CONFIG_DIR/azureProfile.json" ]; then
	echo "ERROR: Please run 'az login' to setup account." >&2
	exit 1
fi
cat "$AZURE_CONFIG_DIR/token.json"
`

// TestKubectlAzureCLI: azurecli tokens are cached (upstream runs az on every
// kubectl call), and changing the CLI's account takes effect at once.
func TestKubectlAzureCLI(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	azDir, fakeBin := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(fakeBin, "az"), []byte(fakeAz), 0o755); err != nil {
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
	out, _ := json.Marshal(map[string]any{"accessToken": tok, "expires_on": exp.Unix(), "subscription": "sub-1", "tenant": entraemu.DefaultTenantID, "tokenType": "Bearer"})
	writeAz := func(name, content string) {
		if err := os.WriteFile(filepath.Join(azDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAz("token.json", string(out))
	writeAz("azureProfile.json", `{"subscriptions":[{"id":"sub-1","isDefault":true,"user":{"name":"alice"}}]}`)
	calls := func() int {
		b, _ := os.ReadFile(filepath.Join(azDir, "calls.log"))
		return strings.Count(string(b), "\n")
	}

	kc := c.kubeconfig(t, execUser{args: []string{"get-token", "--login", "azurecli", "--server-id", entraemu.AKSServerID},
		env: map[string]string{"AZURE_CONFIG_DIR": azDir}})
	env := c.kubectlEnv(t, kc)
	env = append(env, "PATH="+fakeBin+string(os.PathListSeparator)+envValue(env, "PATH"))

	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	b, _ := os.ReadFile(filepath.Join(azDir, "calls.log"))
	if calls() != 1 || !strings.Contains(string(b), "--resource "+entraemu.AKSServerID) {
		t.Fatalf("az calls:\n%s", b)
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if calls() != 1 {
		t.Fatalf("the second kubectl ran az again (%d calls): the token was not cached", calls())
	}

	// az account set: another default subscription, so a new cache key.
	writeAz("azureProfile.json", `{"subscriptions":[{"id":"sub-1","isDefault":false},{"id":"sub-2","isDefault":true,"user":{"name":"alice"}}]}`)
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if calls() != 2 {
		t.Fatalf("after az account set the cached token was still served (%d calls)", calls())
	}

	// az logout: the profile is gone; kubelogin says what to do.
	os.Remove(filepath.Join(azDir, "azureProfile.json"))
	r := run(t, env, kubectl, "get", "nodes")
	if r.code == 0 || !strings.Contains(r.stderr, "Error: the Azure CLI is not signed in: run `az login` and retry") {
		t.Fatalf("after az logout: exit %d\n%s", r.code, r.stderr)
	}
}
