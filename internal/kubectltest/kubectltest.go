// Package kubectltest finds the real kubectl that tests run: $KUBECTL, else
// kubectl on PATH. A machine without one skips those tests with a message
// saying how to get one, except in CI (CI set), where a missing kubectl
// would silently turn the end-to-end tier off, so it fails instead.
package kubectltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Env names the variable that points the tests at a kubectl binary.
const Env = "KUBECTL"

// Path returns the absolute path of the kubectl to run, or ends the test:
// t.Skip where none is found, t.Fatal in CI or when $KUBECTL is set but
// does not name an executable.
func Path(t testing.TB) string {
	t.Helper()
	name, fromEnv := "kubectl", false
	if v := os.Getenv(Env); v != "" {
		name, fromEnv = v, true
	}
	p, err := exec.LookPath(name)
	if err == nil {
		if abs, aerr := filepath.Abs(p); aerr == nil {
			return abs
		}
		return p
	}
	switch {
	case fromEnv:
		t.Fatalf("%s=%s is not an executable kubectl: %v", Env, name, err)
	case os.Getenv("CI") != "":
		t.Fatalf("kubectl is not on PATH and %s is not set; CI must run these tests with a real kubectl: install it or set %s=/path/to/kubectl", Env, Env)
	default:
		t.Skipf("kubectl is not on PATH: install it (https://kubernetes.io/docs/tasks/tools/) or set %s=/path/to/kubectl to run this test", Env)
	}
	return ""
}

// Versions lists the versioned builds installed beside kubectl, as the
// Google Cloud SDK ships them (kubectl.1.27 … kubectl.1.33 next to the file
// that /usr/bin/kubectl links to), oldest first; none is not an error.
func Versions(kubectl string) []string {
	real, err := filepath.EvalSymlinks(kubectl)
	if err != nil {
		return nil
	}
	found, _ := filepath.Glob(filepath.Join(filepath.Dir(real), "kubectl.1.*"))
	var out []string
	for _, p := range found {
		if minor(p) >= 0 && isExecutable(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return minor(a) - minor(b) })
	return out
}

// minor is the minor version in a "kubectl.1.N" name, or -1.
func minor(p string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "kubectl.1."))
	if err != nil {
		return -1
	}
	return n
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
