package convert

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// TestGolden pins whole converted files, so a reviewer sees that
// everything but the converted users keeps its bytes (comments, flow
// style, indentation, key order). Run with -update after a deliberate
// change.
func TestGolden(t *testing.T) {
	cases := []struct {
		in, golden string
		args       []string
	}{
		{"multi.yaml", "multi.devicecode.golden", nil},
		{"multi.yaml", "multi.spn.golden", []string{"-l", "spn", "--context", "aks1"}},
		{"aks.yaml", "aks.azurecli.golden", []string{"-l", "azurecli", "--azure-config-dir", "/var/lib/jenkins/.azure"}},
		{"legacy.yaml", "legacy.interactive.golden", []string{"-l", "interactive", "--login-hint", "me@example.com"}},
		{"aks.json", "aks.json.golden", []string{"-l", "workloadidentity"}},
		{"crlf.yaml", "crlf.golden", []string{"-l", "msi"}},
		{"aks.yaml", "aks.spn-secret.golden", []string{"-l", "spn", "--client-id", "sp", "--client-secret", "s3cret"}},
		{"skipped.yaml", "skipped.golden", nil},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "config", fixture(t, tc.in))
			var skipped *SkippedError
			if r := runCmd(t, nil, append([]string{"--kubeconfig", path}, tc.args...)...); r.err != nil && !errors.As(r.err, &skipped) {
				t.Fatal(r.err)
			}
			got := readString(t, path)
			golden := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := fixture(t, tc.golden); got != want {
				t.Errorf("%s differs from %s:\n%s", tc.in, golden, got)
			}
		})
	}
}
