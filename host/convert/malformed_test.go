package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedInput: every broken input is a one-line error that says
// what to do, and the file is left byte-identical.
func TestMalformedInput(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	cases := []struct {
		name, in string
		args     []string
		wantErr  string
	}{
		{"invalid YAML", "users:\n- name: a\n  user: [unclosed\n", nil, "cannot parse kubeconfig "},
		{"invalid YAML with tab indentation", "users:\n\t- name: a\n", nil, "fix the YAML"},
		{"top level is a list", "- a\n- b\n", nil, "its top level is not a mapping"},
		{"users is not a list", "users: {a: b}\n", nil, "users is not a list"},
		{"user without a name", "users:\n- user: {token: x}\n", nil, "users[0] has no name"},
		{"two users with one name", "users:\n- name: a\n  user: {token: x}\n- name: a\n  user: {token: y}\n", nil, `two entries named "a"`},
		{"user field is a string", "users:\n- name: u1\n  user: oops\n", nil, `user "u1": its user field is not a mapping`},
		{"kubelogin exec with no args, by context", oneUser("exec:\n  apiVersion: " + apiV1beta1 + "\n  command: kubelogin\n"), []string{"--context", "c1"},
			`user "u1" of context "c1" runs kubelogin without get-token as its first arg, so it is neither Azure's nor int128's kubelogin: add get-token and its flags, or pick another context`},
		{"kubelogin exec without get-token, by context", oneUser(execBody(apiV1beta1, "kubelogin", "--server-id", server)), []string{"--context", "c1"}, "without get-token as its first arg"},
		{"exec args not a list", oneUser("exec:\n  command: kubelogin\n  args: get-token\n"), nil, `user "u1": cannot read its exec block`},
		{"unparsable kubelogin args", oneUser(kubeloginExec("--server-id", server, "--timeout", "soon")), nil, `user "u1": cannot read its kubelogin args`},
		{"flag without its value", oneUser(kubeloginExec("--server-id")), nil, "flag needs an argument"},
		{"auth-provider not a mapping", oneUser("auth-provider: azure\n"), nil, "cannot read its auth-provider"},
		{"two YAML documents", aks + "---\nkind: Config\n", nil, "more than one YAML document"},
		{"user with no auth, by context", oneUser("{}"), []string{"--context", "c1"}, `user "u1" of context "c1" has no credentials to convert`},
		{"positional argument", aks, []string{"spn"}, `unknown command "spn"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "config", tc.in)
			r := runCmd(t, nil, append([]string{"--kubeconfig", path}, tc.args...)...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", r.err, tc.wantErr)
			}
			if strings.Contains(r.err.Error(), "\n") {
				t.Errorf("error is not one line: %q", r.err)
			}
			if got := readString(t, path); got != tc.in {
				t.Errorf("file changed:\n%s", got)
			}
			assertNoLeftovers(t, dir, "config")
		})
	}
}

func TestMissingFiles(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"--kubeconfig missing", nil, []string{"--kubeconfig", filepath.Join(dir, "nope")}, "no such file or directory: check --kubeconfig"},
		{"every KUBECONFIG file missing", map[string]string{"KUBECONFIG": filepath.Join(dir, "a") + string(os.PathListSeparator) + filepath.Join(dir, "b")}, nil,
			"none of the files in KUBECONFIG exist"},
		{"no ~/.kube/config", map[string]string{"HOME": dir}, nil, "cannot read kubeconfig " + filepath.Join(dir, ".kube", "config") + ": no such file or directory: pass --kubeconfig or set KUBECONFIG"},
		{"kubeconfig is a directory", nil, []string{"--kubeconfig", dir}, "is a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.env, tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", r.err, tc.wantErr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files created: %v", entries)
	}
}

func TestUnwritable(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	t.Run("read-only file", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		r := runCmd(t, nil, "--kubeconfig", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "is read-only (mode 0444): make it writable or use --dry-run") {
			t.Fatalf("error = %v", r.err)
		}
		if readString(t, path) != aks {
			t.Error("file changed")
		}
		assertNoLeftovers(t, dir, "config")
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes into read-only directories")
		}
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		r := runCmd(t, nil, "--kubeconfig", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "cannot lock kubeconfig") {
			t.Fatalf("error = %v", r.err)
		}
		if readString(t, path) != aks {
			t.Error("file changed")
		}
	})
	t.Run("locked by another process", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		writeFile(t, dir, "config.lock", "")
		r := runCmd(t, nil, "--kubeconfig", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "is locked by another process ("+path+".lock exists)") {
			t.Fatalf("error = %v", r.err)
		}
		if readString(t, path) != aks {
			t.Error("file changed")
		}
		assertNoLeftovers(t, dir, "config", "config.lock")
	})
	t.Run("dry run needs no write access", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		writeFile(t, dir, "config.lock", "")
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		if r := runCmd(t, nil, "--kubeconfig", path, "--dry-run"); r.err != nil {
			t.Fatal(r.err)
		}
	})
}
