package convert

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestKubeconfigList: with several KUBECONFIG files each user is converted
// in the first file that defines it, as client-go merges them.
func TestKubeconfigList(t *testing.T) {
	first := `apiVersion: v1
kind: Config
clusters:
- name: aks1
  cluster: {server: "https://aks1.example.com"}
contexts:
- name: aks1
  context: {cluster: aks1, user: a1}
- name: aks2
  context: {cluster: aks1, user: b1}
current-context: aks1
users:
- name: a1
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --server-id, s1, --client-id, c1, --tenant-id, t1]
`
	second := `apiVersion: v1
kind: Config
users:
- name: a1
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --server-id, shadowed]
- name: b1
  user:
    auth-provider:
      name: azure
      config: {apiserver-id: s2, client-id: c2, tenant-id: t2, config-mode: "1"}
`
	setup := func(t *testing.T) (dir, a, b string, env map[string]string) {
		dir = t.TempDir()
		a, b = writeFile(t, dir, "first", first), writeFile(t, dir, "second", second)
		missing := filepath.Join(dir, "missing")
		return dir, a, b, map[string]string{"KUBECONFIG": strings.Join([]string{a, missing, b, a}, string(os.PathListSeparator))}
	}
	args := func(t *testing.T, path, user string) []string {
		t.Helper()
		return userOf(t, parsed(t, path), user).Exec.Args
	}

	t.Run("each user in its own file", func(t *testing.T) {
		_, a, b, env := setup(t)
		r := runCmd(t, env, "-l", "azurecli")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if got := args(t, a, "a1"); !reflect.DeepEqual(got, []string{"get-token", "--login", "azurecli", "--server-id", "s1"}) {
			t.Errorf("a1 = %q", got)
		}
		if got := args(t, b, "b1"); !reflect.DeepEqual(got, []string{"get-token", "--login", "azurecli", "--server-id", "s2"}) {
			t.Errorf("b1 = %q", got)
		}
		if got := args(t, b, "a1"); !reflect.DeepEqual(got, []string{"get-token", "--server-id", "shadowed"}) {
			t.Errorf("the shadowed a1 changed: %q", got)
		}
		want := "converted users a1 to azurecli in " + a + "; b1 in " + b + "\n"
		if !strings.HasSuffix(r.stderr, want) {
			t.Errorf("stderr = %q, want suffix %q", r.stderr, want)
		}
	})
	t.Run("--context writes only the file that defines its user", func(t *testing.T) {
		_, a, b, env := setup(t)
		if r := runCmd(t, env, "--context", "aks2", "-l", "azd"); r.err != nil {
			t.Fatal(r.err)
		}
		if readString(t, a) != first {
			t.Error("first file changed")
		}
		if got := args(t, b, "b1"); !reflect.DeepEqual(got, []string{"get-token", "--login", "azd", "--server-id", "s2"}) {
			t.Errorf("b1 = %q", got)
		}
	})
	t.Run("dry run prints every file with a header and writes nothing", func(t *testing.T) {
		_, a, b, env := setup(t)
		r := runCmd(t, env, "--dry-run")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if readString(t, a) != first || readString(t, b) != second {
			t.Error("dry run wrote")
		}
		if !strings.HasPrefix(r.stdout, "# file: "+a+"\n") || !strings.Contains(r.stdout, "\n# file: "+b+"\n") || !strings.Contains(r.stdout, "--login\n      - devicecode") {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "would convert users a1 to devicecode in "+a+"; b1 in "+b+" (dry run: nothing written)") {
			t.Errorf("stderr = %q", r.stderr)
		}
	})
	t.Run("~/.kube/config by default", func(t *testing.T) {
		home := t.TempDir()
		if err := os.Mkdir(filepath.Join(home, ".kube"), 0o700); err != nil {
			t.Fatal(err)
		}
		p := writeFile(t, filepath.Join(home, ".kube"), "config", first)
		if r := runCmd(t, map[string]string{"HOME": home}, "-l", "msi"); r.err != nil {
			t.Fatal(r.err)
		}
		if got := args(t, p, "a1"); !reflect.DeepEqual(got, []string{"get-token", "--login", "msi", "--server-id", "s1"}) {
			t.Errorf("a1 = %q", got)
		}
	})
}

// TestWriteKeepsFile: the file is replaced atomically, keeps its mode,
// stays a symlink's target, and the lock is client-go's.
func TestWriteKeepsFile(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	t.Run("mode kept", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		if err := os.Chmod(path, 0o640); err != nil {
			t.Fatal(err)
		}
		if r := runCmd(t, nil, "--kubeconfig", path); r.err != nil {
			t.Fatal(r.err)
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
			t.Errorf("mode = %v", info.Mode())
		}
		assertNoLeftovers(t, dir, "config")
	})
	t.Run("symlink kept", func(t *testing.T) {
		dir := t.TempDir()
		target := writeFile(t, dir, "real", aks)
		link := filepath.Join(dir, "config")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if r := runCmd(t, nil, "--kubeconfig", link, "-l", "azurecli"); r.err != nil {
			t.Fatal(r.err)
		}
		if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
			t.Error("the symlink was replaced by a file")
		}
		if !strings.Contains(readString(t, target), "- azurecli") {
			t.Error("the target was not converted")
		}
		assertNoLeftovers(t, dir, "config", "real")
	})
	t.Run("waits for the lock", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		lock := writeFile(t, dir, "config.lock", "")
		go func() {
			time.Sleep(50 * time.Millisecond)
			_ = os.Remove(lock)
		}()
		if r := runCmd(t, nil, "--kubeconfig", path); r.err != nil {
			t.Fatal(r.err)
		}
		assertNoLeftovers(t, dir, "config")
	})
	t.Run("dry run prints what a run writes", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		r := runCmd(t, nil, "--kubeconfig", path, "-l", "spn", "--dry-run", "--client-secret", "s")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if readString(t, path) != aks {
			t.Fatal("dry run wrote")
		}
		if !strings.Contains(r.stderr, "would be stored in clear text") {
			t.Errorf("stderr = %q", r.stderr)
		}
		if r2 := runCmd(t, nil, "--kubeconfig", path, "-l", "spn", "--client-secret", "s"); r2.err != nil || readString(t, path) != r.stdout {
			t.Errorf("dry run printed:\n%s\nrun wrote:\n%s", r.stdout, readString(t, path))
		}
	})
	t.Run("relative paths become absolute", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		wd, _ := os.Getwd()
		if r := runCmd(t, nil, "--kubeconfig", path, "--cache-dir", "cache", "-l", "azurecli", "--azure-config-dir", "~/az"); r.err != nil {
			t.Fatal(r.err)
		}
		e := userOf(t, parsed(t, path), aksU).Exec
		if want := filepath.Join(wd, "cache"); e.Args[6] != want || e.Env[0].Value != "~/az" {
			t.Errorf("args = %q, env = %v, want cache dir %s and ~/az", e.Args, e.Env, want)
		}
	})
}

// TestChangedWhileConverting: a file that changes between the first read
// and taking the locks, so that it now needs converting but is not locked,
// aborts the run with nothing written.
func TestChangedWhileConverting(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a", oneUser(kubeloginExec("--server-id", server)))
	b := writeFile(t, dir, "b", "users:\n- name: other\n  user: {token: x}\n")
	env := map[string]string{"KUBECONFIG": a + string(os.PathListSeparator) + b}
	var o *Options
	cmd := NewCmd(iostreamsFor(t), func(opts *Options) error { o = opts; return nil })
	cmd.SetArgs([]string{"-l", "azurecli"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	o.Getenv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	paths, _ := kubeconfigPaths(o)
	files, err := readFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	first, err := makePlan(o, "azurecli", files)
	if err != nil {
		t.Fatal(err)
	}
	aBefore := readString(t, a)
	changed := "users:\n- name: late\n  user: {auth-provider: {name: azure, config: {apiserver-id: s}}}\n"
	writeFile(t, dir, "b", changed)
	if _, err := write(o, "azurecli", paths, first); err == nil || !strings.Contains(err.Error(), "changed while converting: run the command again") {
		t.Fatalf("error = %v", err)
	}
	if readString(t, a) != aBefore || readString(t, b) != changed {
		t.Error("a file was written")
	}
	assertNoLeftovers(t, dir, "a", "b")
}
