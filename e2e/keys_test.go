package e2e

import (
	"path/filepath"
	"testing"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
)

func homeCache(env []string) string {
	return filepath.Join(envValue(env, "HOME"), ".kube", "cache", "kubelogin")
}

// TestSeparateCacheEntries: settings that change which token is right never
// share an entry — tenants, accounts, legacy or not.
func TestSeparateCacheEntries(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{audiences: []string{entraemu.AKSServerID, "spn:" + entraemu.AKSServerID}})
	other := c.em.AddClient(entraemu.Client{ID: "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", Name: "second-spn", Secret: "second-secret-value"})
	env := c.kubectlEnv(t, "unused")
	base := []string{"get-token", "--login", "spn", "--server-id", entraemu.AKSServerID, "--authority-host", c.em.URL(), "--disable-instance-discovery"}
	calls := []struct {
		name string
		args []string
	}{
		{"tenant by id", []string{"--tenant-id", entraemu.DefaultTenantID, "--client-id", c.spn.ID, "--client-secret", c.spn.Secret}},
		{"tenant by domain", []string{"--tenant-id", entraemu.DefaultTenantDomain, "--client-id", c.spn.ID, "--client-secret", c.spn.Secret}},
		{"other principal", []string{"--tenant-id", entraemu.DefaultTenantID, "--client-id", other.ID, "--client-secret", other.Secret}},
		{"legacy", []string{"--tenant-id", entraemu.DefaultTenantID, "--client-id", c.spn.ID, "--client-secret", c.spn.Secret, "--legacy"}},
	}
	for i, call := range calls {
		for round := 0; round < 2; round++ {
			r := run(t, env, "kubelogin", append(base, call.args...)...)
			if r.code != 0 {
				t.Fatalf("%s: %s", call.name, r.stderr)
			}
		}
		if got := c.em.Counts().Total; got < i+1 {
			t.Fatalf("%s: served from another setting's entry (%d requests)", call.name, got)
		}
		files, _ := filepath.Glob(filepath.Join(homeCache(env), "*.json"))
		if len(files) != i+1 {
			t.Fatalf("after %s: %d cache entries, want %d", call.name, len(files), i+1)
		}
	}
	if got := c.em.Count("client_credentials"); got != len(calls) {
		t.Fatalf("token requests = %d, want one per setting (%d)", got, len(calls))
	}
}
