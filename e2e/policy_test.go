package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/host/policy"
)

// TestProviderPolicy: with a policy in force only approved providers run,
// each checked against its sha256, and the search path is ignored.
func TestProviderPolicy(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(policy.AdminFile); err == nil {
		t.Fatalf("%s exists on this machine; it would override the policies this test writes", policy.AdminFile)
	}
	fake := filepath.Join(binDir, "testproviders", "kubelogin-provider-fake")
	b, err := os.ReadFile(fake)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	writePolicy := func(t *testing.T, doc string) string {
		p := filepath.Join(t.TempDir(), "policy.yaml")
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	approved := "providers:\n  - mode: fake\n    path: " + fake + "\n    sha256: " + hex.EncodeToString(sum[:]) + "\n"
	tampered := "providers:\n  - mode: fake\n    path: " + fake + "\n    sha256: " + strings.Repeat("ab", 32) + "\n"

	tests := []struct {
		name, policy string
		args         []string
		ok           bool
		want         string
	}{
		{name: "approved provider runs", policy: approved, args: []string{"-l", "fake"}, ok: true},
		{name: "unapproved mode refused though installed", policy: approved, args: []string{"-l", "spn"}, want: "login mode spn is not approved by the provider policy"},
		{name: "checksum mismatch refused", policy: tampered, args: []string{"-l", "fake"}, want: "does not match the checksum in the provider policy"},
		{name: "broken policy fails closed", policy: "providers: [", args: []string{"-l", "fake"}, want: "is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := append(withTestProviders(baseEnv(t)), policy.EnvFile+"="+writePolicy(t, tt.policy))
			r := run(t, env, "kubelogin", append([]string{"get-token", "--server-id", "s", "--no-cache"}, tt.args...)...)
			if tt.ok {
				if r.code != 0 || tokenOf(t, r.stdout) == "" {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				return
			}
			if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, tt.want)
			}
			assertNoLeftovers(t, envValue(env, "TMPDIR"))
		})
	}

	env := append(withTestProviders(baseEnv(t)), policy.EnvFile+"="+writePolicy(t, approved))
	r := run(t, env, "kubelogin", "providers", "list", "--timeout", "2s")
	if r.code != 0 || !strings.Contains(r.stderr, "is in force") || strings.Count(strings.TrimSpace(r.stdout), "\n") != 1 || !strings.Contains(r.stdout, "testprovider-fake") {
		t.Fatalf("providers list under a policy:\n%s%s", r.stdout, r.stderr)
	}
	r = run(t, env, "kubelogin", "providers", "hash", fake)
	if r.code != 0 || r.stdout != approved {
		t.Fatalf("providers hash printed %q, want %q", r.stdout, approved)
	}
}
