package convert

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestSecretsInEnv: secrets are written to the exec env under the name
// get-token reads (options.ApplyEnv), kept by a re-conversion to the same
// mode without a second entry, and never moved to another mode.
func TestSecretsInEnv(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	spnArgs := []string{"--login", "spn", "--server-id", server, "--client-id", "sp", "--tenant-id", "t1"}
	withEnv := func(env string, args ...string) string {
		return oneUser(kubeloginExec(args...) + "  env:\n" + env)
	}
	secretEnv := "  - {name: HTTPS_PROXY, value: 'http://proxy:3128'}\n  - {name: AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, value: old}\n  - {name: NO_PROXY, value: .local}\n"
	envNames := func(user string, want ...string) func(t *testing.T, f *file) {
		return func(t *testing.T, f *file) {
			t.Helper()
			var got []string
			for _, e := range userOf(t, f, user).Exec.Env {
				got = append(got, e.Name)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("env names = %v, want %v", got, want)
			}
		}
	}
	runCases(t, []convertCase{
		{name: "Terraform variables for --use-azurerm-env-vars", in: aks,
			args: []string{"-l", "spn", "--use-azurerm-env-vars", "--client-secret", "s", "--client-certificate-password", "p"},
			want: map[string][]string{aksU: gt("spn", ids("--use-azurerm-env-vars")...)},
			check: func(t *testing.T, f *file) {
				wantEnv(aksU, "ARM_CLIENT_SECRET", "s")(t, f)
				wantEnv(aksU, "ARM_CLIENT_CERTIFICATE_PASSWORD", "p")(t, f)
			}},
		{name: "a new secret replaces the old entry where it stood", in: withEnv(secretEnv, spnArgs...), args: []string{"-l", "spn", "--client-secret", "new"},
			want: map[string][]string{"u1": gt("spn", "--client-id", "sp", "--tenant-id", "t1")},
			check: func(t *testing.T, f *file) {
				wantEnv("u1", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "new")(t, f)
				envNames("u1", "HTTPS_PROXY", "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "NO_PROXY")(t, f)
			}},
		{name: "switching to Terraform variables renames the entry", in: withEnv(secretEnv, spnArgs...), args: []string{"-l", "spn", "--use-azurerm-env-vars"},
			want: map[string][]string{"u1": gt("spn", "--client-id", "sp", "--tenant-id", "t1", "--use-azurerm-env-vars")},
			check: func(t *testing.T, f *file) {
				wantEnv("u1", "ARM_CLIENT_SECRET", "old")(t, f)
				envNames("u1", "HTTPS_PROXY", "NO_PROXY", "ARM_CLIENT_SECRET")(t, f)
			}},
		{name: "another mode drops the secret and keeps the rest", in: withEnv(secretEnv, spnArgs...), args: []string{"-l", "devicecode"},
			want:  map[string][]string{"u1": gt("devicecode", "--client-id", "sp", "--tenant-id", "t1")},
			check: envNames("u1", "HTTPS_PROXY", "NO_PROXY")},
		{name: "ropc password by flag next to a kept username", in: withEnv("  - {name: AAD_USER_PRINCIPAL_PASSWORD, value: old}\n", "--login", "ropc", "--server-id", server, "--client-id", "c", "--tenant-id", "t", "--username", "me"),
			args: []string{"-l", "ropc", "--password", "new"},
			want: map[string][]string{"u1": gt("ropc", "--client-id", "c", "--tenant-id", "t", "--username", "me")}, check: wantEnv("u1", "AAD_USER_PRINCIPAL_PASSWORD", "new")},
		{name: "--disable-environment-override would hide the secret", in: aks, args: []string{"-l", "spn", "--client-secret", "s", "--disable-environment-override"},
			wantErr: `user "clusterUser_rg_aks1": --disable-environment-override would make get-token ignore the exec env that holds its client secret`},
		{name: "an inherited --disable-environment-override too", in: oneUser(kubeloginExec(append(spnArgs, "--disable-environment-override")...)), args: []string{"-l", "spn", "--client-secret", "s"},
			wantErr: "--disable-environment-override would make get-token ignore"},
	})

	t.Run("re-conversion keeps an env secret and does not duplicate it", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "config", aks)
		if r := runCmd(t, nil, "--kubeconfig", path, "-l", "spn", "--client-secret", "s"); r.err != nil {
			t.Fatal(r.err)
		}
		first := readString(t, path)
		for _, args := range [][]string{{"-l", "spn", "--client-secret", "s"}, {"-l", "spn"}} {
			r := runCmd(t, nil, append([]string{"--kubeconfig", path}, args...)...)
			if r.err != nil || !strings.Contains(r.stderr, "nothing to convert: user "+aksU+" already uses spn") {
				t.Fatalf("%v: err %v, stderr %q", args, r.err, r.stderr)
			}
			if readString(t, path) != first {
				t.Fatalf("%v changed the file", args)
			}
		}
		r := runCmd(t, nil, "--kubeconfig", path, "-l", "spn", "--timeout", "2m")
		if r.err != nil {
			t.Fatal(r.err)
		}
		f := parsed(t, path)
		wantEnv(aksU, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "s")(t, f)
		assertNoSecretArgs(t, aksU, userOf(t, f, aksU).Exec.Args)
		if strings.Contains(r.stderr, "Warning") {
			t.Errorf("a kept secret warned again: %q", r.stderr)
		}
	})
}

// TestSecretMakesFilePrivate: a file that gets a secret is made 0600 and
// the summary says so; without a secret the mode stays.
func TestSecretMakesFilePrivate(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	cases := []struct {
		name     string
		mode     os.FileMode
		args     []string
		wantMode os.FileMode
		summary  string // "" for no mode note
	}{
		{"readable by others", 0o644, []string{"-l", "spn", "--client-secret", "s"}, 0o600, "made private, as it now holds a secret: %s mode 0600 (was 0644)"},
		{"readable by the group", 0o660, []string{"-l", "ropc", "--password", "p"}, 0o600, "(was 0660)"},
		{"already private", 0o600, []string{"-l", "spn", "--client-secret", "s"}, 0o600, ""},
		{"no secret keeps the mode", 0o644, []string{"-l", "spn"}, 0o644, ""},
		{"dry run says so and changes nothing", 0o644, []string{"-l", "spn", "--client-secret", "s", "--dry-run"}, 0o644, "would be made private, as it would hold a secret: %s mode 0600 (was 0644)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "config", aks)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			r := runCmd(t, nil, append([]string{"--kubeconfig", path}, tc.args...)...)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if info, _ := os.Stat(path); info.Mode().Perm() != tc.wantMode {
				t.Errorf("mode = %04o, want %04o", info.Mode().Perm(), tc.wantMode)
			}
			want := strings.ReplaceAll(tc.summary, "%s", path)
			if tc.summary == "" && strings.Contains(r.stderr, "made private") || tc.summary != "" && !strings.Contains(r.stderr, want) {
				t.Errorf("stderr = %q, want %q", r.stderr, want)
			}
		})
	}
}

// TestWriteInPlaceWhenRenameFails: a kubeconfig that cannot be renamed
// over (a bind mount: EBUSY; another file system: EXDEV) is written in
// place, through the same inode; any other rename error leaves it alone.
func TestWriteInPlaceWhenRenameFails(t *testing.T) {
	aks := fixture(t, "aks.yaml")
	cases := []struct {
		name    string
		errno   syscall.Errno
		wantErr string
	}{
		{"EBUSY", syscall.EBUSY, ""},
		{"EXDEV", syscall.EXDEV, ""},
		{"EACCES is an error", syscall.EACCES, "cannot replace kubeconfig "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			renamed := 0
			rename = func(oldpath, newpath string) error {
				renamed++
				return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: tc.errno}
			}
			t.Cleanup(func() { rename = os.Rename })
			dir := t.TempDir()
			path := writeFile(t, dir, "config", aks)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(path)
			r := runCmd(t, nil, "--kubeconfig", path, "-l", "spn", "--client-secret", "s")
			if renamed != 1 {
				t.Fatalf("rename called %d times", renamed)
			}
			assertNoLeftovers(t, dir, "config")
			if tc.wantErr != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", r.err, tc.wantErr)
				}
				if readString(t, path) != aks {
					t.Error("file changed")
				}
				return
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			after, _ := os.Stat(path)
			if !os.SameFile(before, after) {
				t.Error("the kubeconfig was replaced, not written in place")
			}
			if after.Mode().Perm() != 0o600 {
				t.Errorf("mode = %04o, want 0600", after.Mode().Perm())
			}
			f := parsed(t, path)
			wantEnv(aksU, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", "s")(t, f)
			rename = os.Rename
			if r := runCmd(t, nil, "--kubeconfig", path, "-l", "spn"); r.err != nil || !strings.Contains(r.stderr, "nothing to convert") {
				t.Errorf("the in-place result is not what a rename writes: %v %q", r.err, r.stderr)
			}
		})
	}
}
