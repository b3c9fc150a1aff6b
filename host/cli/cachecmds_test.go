package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/iostreams"
)

// runRoot runs kubelogin's command tree with env as the whole environment
// and home as the home directory.
func runRoot(t *testing.T, env map[string]string, home string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	withHome := map[string]string{"HOME": home}
	for k, v := range env {
		withHome[k] = v
	}
	f := &Factory{
		IO:     iostreams.IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) (string, bool) { v, ok := withHome[k]; return v, ok },
		Now:    time.Now,
	}
	root := NewRootCmd(f)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

// TestStatusDoesNotCreateCacheDir: looking at the cache leaves a missing
// cache directory missing, wherever its path comes from.
func TestStatusDoesNotCreateCacheDir(t *testing.T) {
	cases := []struct {
		name string
		dir  func(home, tmp string) string
		env  func(dir string) map[string]string
		args func(dir string) []string
	}{
		{"--cache-dir", func(_, tmp string) string { return filepath.Join(tmp, "flag") },
			func(string) map[string]string { return nil }, func(dir string) []string { return []string{"--cache-dir", dir} }},
		{"--token-cache-dir", func(_, tmp string) string { return filepath.Join(tmp, "alias") },
			func(string) map[string]string { return nil }, func(dir string) []string { return []string{"--token-cache-dir", dir} }},
		{"KUBECACHEDIR", func(_, tmp string) string { return filepath.Join(tmp, "env") },
			func(dir string) map[string]string { return map[string]string{"KUBECACHEDIR": dir} }, func(string) []string { return nil }},
		{"default under home", func(home, _ string) string { return filepath.Join(home, ".kube", "cache", "kubelogin") },
			func(string) map[string]string { return nil }, func(string) []string { return nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home, tmp := t.TempDir(), t.TempDir()
			dir := tc.dir(home, tmp)
			stdout, stderr, err := runRoot(t, tc.env(dir), home, append([]string{"status"}, tc.args(dir)...)...)
			if err != nil {
				t.Fatalf("status: %v\n%s", err, stderr)
			}
			if stdout != "" || !strings.Contains(stderr, "no cached tokens in "+dir+" (it does not exist)") {
				t.Errorf("stdout %q, stderr %q", stdout, stderr)
			}
			if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("status created %s (%v)", dir, err)
			}
			if _, err := os.Lstat(filepath.Join(home, ".kube")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("status created %s", filepath.Join(home, ".kube"))
			}
		})
	}
}

// TestRemoveCacheDirIsAnAlias: remove-cache-dir is remove-tokens under
// upstream's name, one command that both names run.
func TestRemoveCacheDirIsAnAlias(t *testing.T) {
	root := NewRootCmd(&Factory{IO: iostreams.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}})
	var found []string
	for _, c := range root.Commands() {
		if c.Name() == "remove-tokens" || c.Name() == "remove-cache-dir" {
			found = append(found, c.Name())
		}
	}
	if len(found) != 1 || found[0] != "remove-tokens" {
		t.Fatalf("remove commands = %v, want only remove-tokens", found)
	}
	for _, name := range []string{"remove-tokens", "remove-cache-dir"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			entry := filepath.Join(dir, strings.Repeat("a", 64)+".json")
			if err := os.WriteFile(entry, []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, stderr, err := runRoot(t, nil, t.TempDir(), name, "--cache-dir", dir)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !strings.Contains(stderr, "removed "+entry) {
				t.Errorf("stderr = %q", stderr)
			}
			if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s left %s (%v)", name, dir, err)
			}
			help, _, err := runRoot(t, nil, t.TempDir(), name, "--help")
			if err != nil || !strings.Contains(help, "remove-tokens") || !strings.Contains(help, "Aliases:") || !strings.Contains(help, "remove-cache-dir") {
				t.Errorf("help (%v):\n%s", err, help)
			}
		})
	}
}
