package kubectltest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recorder stands in for the test given to Path, noting how it would end.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func writeExecutable(t *testing.T, p string) string {
	t.Helper()
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPath(t *testing.T) {
	onPath := t.TempDir()
	kubectl := writeExecutable(t, filepath.Join(onPath, "kubectl"))
	elsewhere := writeExecutable(t, filepath.Join(t.TempDir(), "kubectl-1.30"))
	empty := t.TempDir()

	tests := []struct {
		name              string
		path, env, ci     string
		want              string
		wantSkip, wantErr string // substrings; empty: must not happen
	}{
		{name: "KUBECTL wins over PATH", path: onPath, env: elsewhere, want: elsewhere},
		{name: "kubectl on PATH", path: onPath, want: kubectl},
		{name: "KUBECTL names nothing", path: onPath, env: filepath.Join(empty, "nope"), wantErr: "KUBECTL=" + filepath.Join(empty, "nope") + " is not an executable kubectl"},
		{name: "none in CI fails", path: empty, ci: "true", wantErr: "CI must run these tests with a real kubectl"},
		{name: "none locally skips", path: empty, wantSkip: "install it (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL=/path/to/kubectl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			t.Setenv(Env, tt.env)
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			got := Path(r)
			if got != tt.want {
				t.Errorf("Path = %q, want %q", got, tt.want)
			}
			if (tt.wantSkip == "") != (r.skipped == "") || !strings.Contains(r.skipped, tt.wantSkip) {
				t.Errorf("skipped with %q, want %q", r.skipped, tt.wantSkip)
			}
			if (tt.wantErr == "") != (r.failed == "") || !strings.Contains(r.failed, tt.wantErr) {
				t.Errorf("failed with %q, want %q", r.failed, tt.wantErr)
			}
		})
	}
}

// TestVersions lays out the Google Cloud SDK's bin directory, linked from
// a bin directory on PATH as /usr/bin/kubectl is.
func TestVersions(t *testing.T) {
	sdk := t.TempDir()
	kubectl := writeExecutable(t, filepath.Join(sdk, "kubectl"))
	for _, v := range []string{"kubectl.1.27", "kubectl.1.9", "kubectl.1.10", "kubectl.1.x"} {
		writeExecutable(t, filepath.Join(sdk, v))
	}
	if err := os.WriteFile(filepath.Join(sdk, "kubectl.1.30"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "kubectl")
	if err := os.Symlink(kubectl, link); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(sdk, "kubectl.1.9"), filepath.Join(sdk, "kubectl.1.10"), filepath.Join(sdk, "kubectl.1.27")}
	for _, p := range []string{kubectl, link} {
		if got := Versions(p); !slices.Equal(got, want) {
			t.Errorf("Versions(%s) = %v, want %v", p, got, want)
		}
	}
	if got := Versions(filepath.Join(t.TempDir(), "missing")); got != nil {
		t.Errorf("Versions of a missing kubectl = %v, want none", got)
	}
}
