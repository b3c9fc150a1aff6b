package providertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the provider package in pkgDir (run from a TestMain, "."
// for the package under test) into a temporary directory as
// kubelogin-provider-<mode>, so the conformance run exercises the real binary.
// Call cleanup when the tests are done.
func Build(pkgDir, mode string) (binary string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "providertest-")
	if err != nil {
		return "", nil, fmt.Errorf("creating a build directory: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	binary = filepath.Join(dir, "kubelogin-provider-"+mode)
	if out, err := exec.Command("go", "build", "-o", binary, pkgDir).CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building provider %s: %v\n%s", pkgDir, err, out)
	}
	return binary, cleanup, nil
}
