package convert

import (
	"reflect"
	"strings"
	"testing"
)

// TestReconvertEveryMode converts an AKS kubeconfig to each mode, then that
// result to each mode: converting again to the same mode changes nothing,
// and any other mode either converts or says which value it lacks (modes
// such as msi or azurecli drop the tenant and public client id).
func TestReconvertEveryMode(t *testing.T) {
	modes := strings.Split(knownModes(), ", ")
	public := map[string]bool{"devicecode": true, "interactive": true, "spn": true, "ropc": true}
	// lacks reports a value the target requires that the first mode dropped.
	lacks := func(from, to string) bool {
		needsTenant := public[to] || to == "azurepipelines"
		hasTenant := public[from] || from == "azurepipelines"
		return (public[to] && !public[from]) || (needsTenant && !hasTenant)
	}
	for _, from := range modes {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", fixture(t, "aks.yaml"))
		if r := runCmd(t, nil, "--kubeconfig", path, "-l", from); r.err != nil {
			t.Fatalf("to %s: %v", from, r.err)
		}
		converted := readString(t, path)
		for _, to := range modes {
			t.Run(from+" to "+to, func(t *testing.T) {
				p := writeFile(t, t.TempDir(), "config", converted)
				r := runCmd(t, nil, "--kubeconfig", p, "-l", to)
				if lacks(from, to) {
					if r.err == nil || !strings.Contains(r.err.Error(), "has no ") {
						t.Fatalf("error = %v, want a missing-value error", r.err)
					}
					return
				}
				if r.err != nil {
					t.Fatal(r.err)
				}
				got := userOf(t, parsed(t, p), aksU).Exec.Args
				if !reflect.DeepEqual(got[:5], gt(to)) {
					t.Errorf("args = %q", got)
				}
				if to == from && (readString(t, p) != converted || !strings.Contains(r.stderr, "nothing to convert: user "+aksU+" already uses "+to)) {
					t.Errorf("re-converting to the same mode changed the file or said %q", r.stderr)
				}
			})
		}
	}
}
