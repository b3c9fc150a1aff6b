package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func build(t *testing.T, dir, name, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// TestCheckCommand runs the command as an author would, against the kit's
// own test provider: it passes a good one and fails a faulty one.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	check := build(t, dir, "check", ".")
	// The test provider's behaviour is its file name, as the kit's own tests install it.
	built := build(t, dir, "testprovider", "../../internal/testprovider")
	provider := func(behaviour string) string {
		p := filepath.Join(dir, "kubelogin-provider-"+behaviour)
		if err := os.Link(built, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		args  []string
		ok    bool
		wants string
	}{
		{"good provider", []string{"--mode", "test", "--env", "TESTPROVIDER_X=1", provider("network")}, true, ""},
		{"a provider that ignores its deadline", []string{provider("ignorectx")}, false, "took"},
		{"a provider with an endpoint of its own", []string{provider("ownendpoint")}, true, ""},
		{"a provider that ignores the black hole", []string{provider("ignoresblackhole")}, false, "must call the URL in KUBELOGIN_CONFORMANCE_BLACKHOLE"},
		{"a provider with a bad spec", []string{"--offline", provider("badspec")}, false, "declare what the token is"},
		{"no such binary", []string{filepath.Join(dir, "absent")}, false, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(check, tt.args...)
			cmd.Env = os.Environ()
			out, err := cmd.CombinedOutput()
			if (err == nil) != tt.ok || !strings.Contains(string(out), tt.wants) {
				t.Fatalf("err = %v, want ok %t and output containing %q:\n%s", err, tt.ok, tt.wants, out)
			}
		})
	}
}
