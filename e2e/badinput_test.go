package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGetTokenBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{name: "unknown login mode", args: []string{"-l", "nosuch", "--server-id", "s"}, want: "no provider for login mode nosuch; found: "},
		{name: "malformed login mode", args: []string{"-l", "Device Code", "--server-id", "s"}, want: `"Device Code" is not a valid login mode`},
		{name: "provider crashes", args: []string{"-l", "crash", "--server-id", "s"}, want: "crashed: panic: testprovider crashed on purpose"},
		{name: "provider exits at start", args: []string{"-l", "crashstart", "--server-id", "s"}, want: "exited during start-up: testprovider cannot start: missing configuration"},
		{name: "provider hangs past timeout", args: []string{"-l", "hang", "--server-id", "s", "--timeout", "2s"}, want: "no token within --timeout 2s"},
		{name: "provider never finishes starting", args: []string{"-l", "slowstart", "--server-id", "s", "--timeout", "2s"}, want: "did not start within"},
		{name: "provider prints to stdout", args: []string{"-l", "stdout", "--server-id", "s"}, want: "wrote to stdout before its handshake"},
		{name: "provider speaks another protocol version", args: []string{"-l", "badversion", "--server-id", "s"}, want: "speaks another protocol version"},
		{name: "missing server id", args: []string{"-l", "fake"}, want: "--server-id is required"},
		{name: "malformed exec info", args: []string{"-l", "fake", "--server-id", "s"}, env: []string{"KUBERNETES_EXEC_INFO={oops"}, want: "KUBERNETES_EXEC_INFO is not an ExecCredential"},
		{name: "unsupported exec api version", args: []string{"-l", "fake", "--server-id", "s"}, env: []string{`KUBERNETES_EXEC_INFO={"apiVersion":"client.authentication.k8s.io/v1alpha1"}`}, want: "v1alpha1"},
		{name: "wrong client secret", args: []string{"-l", "fail", "--server-id", "s"}, want: "AADSTS7000215: Invalid client secret provided: check the client secret"},
		{name: "token for another audience", args: []string{"-l", "wrongaud", "--server-id", "s"}, want: `audience is "api://someone-else" but "s" was expected`},
		{name: "unknown environment", args: []string{"-l", "fake", "--server-id", "s", "-e", "AzureMoonCloud"}, want: `unknown --environment "AzureMoonCloud"`},
		{name: "authority without slash", args: []string{"-l", "fake", "--server-id", "s", "--authority-host", "https://login.example"}, want: "should have a trailing slash"},
		{name: "unknown flag", args: []string{"-l", "fake", "--server-id", "s", "--no-such-flag"}, want: "unknown flag: --no-such-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := append(withTestProviders(baseEnv(t)), tt.env...)
			r := run(t, env, "kubelogin", append([]string{"get-token"}, tt.args...)...)
			if r.code != 1 {
				t.Errorf("exit code %d, want 1", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout must stay empty, got %q", r.stdout)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "Error: ") || !strings.Contains(last, tt.want) {
				t.Errorf("stderr = %q, want one error line containing %q", r.stderr, tt.want)
			}
			assertNoLeftovers(t, envValue(env, "TMPDIR"))
		})
	}
}

// TestProviderBinaryMissing: kubelogin installed without the provider for a
// mode it knows (an enterprise that ships only approved providers).
func TestProviderBinaryMissing(t *testing.T) {
	t.Parallel()
	lonely := t.TempDir()
	b, err := os.ReadFile(filepath.Join(binDir, "kubelogin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lonely, "kubelogin"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(t)
	env = append(env, "PATH=/usr/bin:/bin")
	r := run(t, env, filepath.Join(lonely, "kubelogin"), "get-token", "-l", "msi", "--server-id", "s")
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "Error: no provider for login mode msi; found: none") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestGetTokenSurvivesMalformedProviderLogs(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	r := run(t, env, "kubelogin", "get-token", "-l", "badlog", "--server-id", "s", "-v", "10")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var cred struct {
		Status struct{ Token string } `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &cred); err != nil || cred.Status.Token == "" {
		t.Fatalf("stdout is not an ExecCredential: %q (%v)", r.stdout, err)
	}
	assertNoLeftovers(t, envValue(env, "TMPDIR"))
}

func TestCacheHitStartsNoProvider(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	calls := filepath.Join(envValue(env, "TMPDIR"), "testprovider-calls")
	for i := 0; i < 3; i++ {
		r := run(t, env, "kubelogin", "get-token", "-l", "fake", "--server-id", "s")
		if r.code != 0 {
			t.Fatalf("run %d: exit %d, stderr %s", i, r.code, r.stderr)
		}
	}
	b, _ := os.ReadFile(calls)
	if n := strings.Count(string(b), "\n"); n != 1 {
		t.Fatalf("provider ran %d times for 3 calls, want 1", n)
	}
	r := run(t, env, "kubelogin", "get-token", "-l", "fake", "--server-id", "s", "--no-cache")
	if r.code != 0 {
		t.Fatalf("--no-cache: exit %d, stderr %s", r.code, r.stderr)
	}
	b, _ = os.ReadFile(calls)
	if n := strings.Count(string(b), "\n"); n != 2 {
		t.Fatalf("--no-cache did not start the provider (%d runs)", n)
	}
}

// assertNoLeftovers fails when a provider process or socket directory
// outlived the kubelogin run.
func assertNoLeftovers(t *testing.T, tmp string) {
	t.Helper()
	for _, p := range processesOf(tmp) {
		t.Errorf("process %s is still running", p)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "kubelogin-provider-*"))
	if len(left) > 0 {
		t.Errorf("socket directories left behind: %v", left)
	}
}

// processesOf lists the running processes of the built binaries that were
// started with TMPDIR tmp, which the host passes on to its providers: tests
// run in parallel, and each looks only at its own.
func processesOf(tmp string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, p := range procs {
		exe, err := os.Readlink(p)
		if err != nil || !strings.HasPrefix(exe, binDir) {
			continue
		}
		environ, err := os.ReadFile(filepath.Join(filepath.Dir(p), "environ"))
		if err == nil && slices.Contains(strings.Split(string(environ), "\x00"), "TMPDIR="+tmp) {
			out = append(out, filepath.Base(filepath.Dir(p))+" ("+exe+")")
		}
	}
	return out
}

// TestLongTempDir: socket paths are limited to ~104 bytes, so a long TMPDIR
// must not keep providers from starting.
func TestLongTempDir(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 80))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	env = append(env, "TMPDIR="+long)
	r := run(t, env, "kubelogin", "get-token", "-l", "fake", "--server-id", "s")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}
