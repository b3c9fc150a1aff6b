package e2e

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// opaqueToken is a JWT-shaped token the host must not look into: its
// audience is nobody's server id.
func opaqueToken(t *testing.T, path, sub string) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	tok := enc([]byte(`{"alg":"RS256"}`)) + "." +
		enc([]byte(fmt.Sprintf(`{"aud":"not-a-server-id","sub":%q,"exp":%d}`, sub, time.Now().Add(time.Hour).Unix()))) + ".c2ln"
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	return tok
}

// privateTokenfile installs the example third-party provider in a
// directory of the test's own, so the test can replace it.
func privateTokenfile(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "kubelogin-provider-tokenfile")
	src, err := os.Open(filepath.Join(binDir, "testproviders", "kubelogin-provider-tokenfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

// replaceWithTrap overwrites the provider binary with a script of the same
// size and modification time that records being started and fails: the
// host still recognises the binary it described, and any start shows.
func replaceWithTrap(t *testing.T, bin, mark string) {
	t.Helper()
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho started >> " + mark + "\nexit 1\n"
	pad := int(fi.Size()) - len(script) - 1
	if pad < 0 {
		t.Fatalf("provider binary of %d bytes is too small for the trap", fi.Size())
	}
	script += "#" + strings.Repeat("x", pad)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bin, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// TestContractOpaqueTokenCached runs the example third-party provider, which
// declares an opaque token, a required `file` arg and the file as its
// invalidation file: the host serves its token without an audience check or
// a server id, serves it again from the cache without starting the provider
// (whose spec it remembers), and asks the provider again once the file
// changes.
func TestContractOpaqueTokenCached(t *testing.T) {
	t.Parallel()
	dir, bin := privateTokenfile(t)
	env := append(baseEnv(t), "KUBELOGIN_PROVIDER_PATH="+dir)
	file := filepath.Join(t.TempDir(), "token")
	want := opaqueToken(t, file, "first")
	get := func() result {
		return run(t, env, "kubelogin", "get-token", "-l", "tokenfile", "--provider-arg", "file="+file)
	}
	r := get()
	if r.code != 0 {
		t.Fatalf("first get-token: exit %d: %s", r.code, r.stderr)
	}
	if tokenOf(t, r.stdout) != want {
		t.Fatal("the provider's token was not printed")
	}

	mark := filepath.Join(t.TempDir(), "started")
	replaceWithTrap(t, bin, mark)
	r = get()
	if r.code != 0 {
		t.Fatalf("cache hit: exit %d: %s", r.code, r.stderr)
	}
	if tokenOf(t, r.stdout) != want {
		t.Fatal("the cache hit printed another token")
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("a cache hit started the provider")
	}

	opaqueToken(t, file, "rotated")
	if r = get(); r.code == 0 {
		t.Fatalf("a changed invalidation file was served from the cache: %s", r.stdout)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("a changed invalidation file did not start the provider: %v; stderr: %s", err, r.stderr)
	}
}

// TestContractValidation checks that the host enforces a third-party
// mode's spec with one-line errors before the provider gets a request.
func TestContractValidation(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"required provider arg", []string{"-l", "tokenfile"}, "-l tokenfile needs provider arg file (path of the file holding the token): add --provider-arg file=VALUE"},
		{"undeclared provider arg", []string{"-l", "tokenfile", "--provider-arg", "file=/x", "--provider-arg", "realm=eu"}, `login mode tokenfile takes no provider arg "realm"`},
		{"legacy for an opaque token", []string{"-l", "tokenfile", "--provider-arg", "file=/x", "--legacy"}, "login mode tokenfile does not support --legacy"},
		{"server id for an Entra ID mode", []string{"-l", "fake"}, "--server-id is required"},
		{"pop without the capability", []string{"-l", "fake", "--server-id", "s", "--pop-enabled", "--pop-claims", "u=/x"}, "login mode fake does not support --pop-enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, env, "kubelogin", append([]string{"get-token"}, tt.args...)...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 1 || !strings.Contains(lines[len(lines)-1], tt.want) {
				t.Fatalf("exit %d, stderr %q; want an error containing %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// TestContractEntraAudience checks that a provider declaring Entra ID
// tokens is held to the audience.
func TestContractEntraAudience(t *testing.T) {
	t.Parallel()
	r := run(t, withTestProviders(baseEnv(t)), "kubelogin", "get-token", "-l", "wrongaud", "--server-id", "s")
	if r.code != 1 || !strings.Contains(r.stderr, `the token's audience is "api://someone-else" but "s" was expected`) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// TestContractSecretsOnlyToDeclaringModes gives every kind of secret, in
// the environment and as flags, to a mode that declares no credential.
func TestContractSecretsOnlyToDeclaringModes(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"AAD_SERVICE_PRINCIPAL_CLIENT_SECRET": "env-aad-secret", "AZURE_CLIENT_SECRET": "env-azure-secret",
		"AZURE_CLIENT_CERTIFICATE_PASSWORD": "env-cert-pw", "AZURE_PASSWORD": "env-password",
		"AAD_USER_PRINCIPAL_PASSWORD": "env-aad-password", "AZURE_USERNAME": "env-user",
	}
	tests := []struct {
		name string
		env  bool
		args []string
	}{
		{"environment", true, nil},
		{"flags", false, []string{"--client-secret", "flag-secret", "--client-certificate", "/c.pfx",
			"--client-certificate-password", "flag-cert-pw", "--username", "u", "--password", "flag-password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := withTestProviders(baseEnv(t))
			if tt.env {
				for k, v := range secrets {
					env = append(env, k+"="+v)
				}
			}
			args := append([]string{"get-token", "-l", "dumpcreds", "--server-id", "s", "--client-id", "c", "--no-cache"}, tt.args...)
			r := run(t, env, "kubelogin", args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			i := strings.Index(r.stderr, "received:")
			if i < 0 {
				t.Fatalf("the provider did not report what it received: %s", r.stderr)
			}
			got := strings.TrimSpace(strings.SplitN(r.stderr[i+len("received:"):], "\n", 2)[0])
			if got != "client-id" {
				t.Errorf("a mode that declares no credential received %q, want only client-id", got)
			}
			for _, v := range []string{"env-aad-secret", "env-azure-secret", "env-cert-pw", "env-password", "env-aad-password", "flag-secret", "flag-cert-pw", "flag-password"} {
				if strings.Contains(r.stderr, v) {
					t.Errorf("stderr shows the secret %q", v)
				}
			}
		})
	}
}

// TestContractConvertThirdParty converts a kubeconfig user to a third-party
// mode: its provider arg is written, kept on re-conversion, and get-token
// runs with what was written.
func TestContractConvertThirdParty(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	file := filepath.Join(t.TempDir(), "token")
	want := opaqueToken(t, file, "converted")
	kc := filepath.Join(t.TempDir(), "config")
	writeKubeconfig := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:9
contexts:
- name: c
  context:
    cluster: c
    user: u
current-context: c
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, x, --tenant-id, t]
`
	if err := os.WriteFile(kc, []byte(writeKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	convert := func(args ...string) string {
		t.Helper()
		r := run(t, env, "kubelogin", append([]string{"convert-kubeconfig", "--kubeconfig", kc, "-l", "tokenfile"}, args...)...)
		if r.code != 0 {
			t.Fatalf("convert-kubeconfig %v: exit %d: %s", args, r.code, r.stderr)
		}
		return string(mustRead(t, kc))
	}
	r := run(t, env, "kubelogin", "convert-kubeconfig", "--kubeconfig", kc, "-l", "tokenfile")
	if r.code != 1 || !strings.Contains(r.stderr, "has no provider arg file for -l tokenfile") {
		t.Fatalf("convert without the required arg: exit %d: %s", r.code, r.stderr)
	}
	first := convert("--provider-arg", "file="+file)
	for _, s := range []string{"- tokenfile", "- --provider-arg", "- file=" + file} {
		if !strings.Contains(first, s) {
			t.Fatalf("converted kubeconfig lacks %q:\n%s", s, first)
		}
	}
	if strings.Contains(first, "--client-id") || strings.Contains(first, "--server-id") {
		t.Errorf("settings the mode does not take were written:\n%s", first)
	}
	if again := convert(); again != first {
		t.Fatalf("re-converting changed the user:\n%s\nwas:\n%s", again, first)
	}
	args := execArgs(t, first)
	r = run(t, env, "kubelogin", args...)
	if r.code != 0 || tokenOf(t, r.stdout) != want {
		t.Fatalf("get-token with the converted args %v: exit %d: %s", args, r.code, r.stderr)
	}
}

// TestContractConvertSecretProviderArg converts a user to a third-party
// mode with a secret provider arg: it is written into the exec env, not
// the args, the file becomes 0600, and get-token run as kubectl runs the
// exec (args as flags, env entries added) hands the secret to the provider
// in its request.
func TestContractConvertSecretProviderArg(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	kc := filepath.Join(t.TempDir(), "config")
	config := `apiVersion: v1
kind: Config
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, devicecode, --server-id, s, --client-id, c, --tenant-id, t]
`
	if err := os.WriteFile(kc, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "kubelogin", "convert-kubeconfig", "--kubeconfig", kc, "-l", "dumpcreds", "--client-id", "c", "--provider-arg", "api-key=e2e-arg-secret")
	if r.code != 0 {
		t.Fatalf("convert-kubeconfig: exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "e2e-arg-secret") || !strings.Contains(r.stderr, "made private") {
		t.Errorf("convert-kubeconfig's report shows the secret or does not say the file was made private:\n%s", r.stderr)
	}
	out := string(mustRead(t, kc))
	args := execArgs(t, out)
	if strings.Contains(strings.Join(args, " "), "e2e-arg-secret") {
		t.Fatalf("the secret is in the exec args: %q", args)
	}
	if !strings.Contains(out, "name: KUBELOGIN_PROVIDER_ARG_API_KEY") || !strings.Contains(out, "value: e2e-arg-secret") {
		t.Fatalf("the secret is not in the exec env:\n%s", out)
	}
	if info, err := os.Stat(kc); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
	r = run(t, append(env, "KUBELOGIN_PROVIDER_ARG_API_KEY=e2e-arg-secret"), "kubelogin", append(args, "--no-cache")...)
	if r.code != 0 || !strings.Contains(r.stderr, "received: extra client-id") {
		t.Fatalf("get-token with the converted exec: exit %d, want the provider to receive the arg: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "e2e-arg-secret") {
		t.Errorf("get-token's stderr shows the secret: %s", r.stderr)
	}
}

// execArgs reads the args of the only exec user in a YAML kubeconfig as
// convert-kubeconfig writes them (one "- arg" per line).
func execArgs(t *testing.T, kubeconfig string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(kubeconfig, "args:\n")
	if !ok {
		t.Fatalf("no args in:\n%s", kubeconfig)
	}
	var args []string
	for _, line := range strings.Split(rest, "\n") {
		item, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok {
			break
		}
		args = append(args, strings.Trim(item, `"'`))
	}
	return args
}
