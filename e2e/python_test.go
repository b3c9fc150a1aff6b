package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/entraemu"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

// The example provider in Python (examples/provider-python), written from
// sdk/PROTOCOL.md and the .proto files alone, runs with Debian's
// python3-grpcio and python3-grpc-tools.
const pythonMode = "pytokenfile"

var buildPython = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(binDir, "python")
	root, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(filepath.Join(root, "examples", "provider-python", "build.sh"), dir).CombinedOutput()
	if err != nil {
		return "", &buildError{out: strings.TrimSpace(string(out))}
	}
	return dir, nil
})

type buildError struct{ out string }

func (e *buildError) Error() string { return e.out }

// pythonProvider installs the Python provider once and returns its
// directory. Without python3-grpcio the test is skipped, and fails in CI.
func pythonProvider(t *testing.T) string {
	t.Helper()
	dir, err := buildPython()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the Python provider cannot be installed; CI must run it: %v", err)
		}
		t.Skipf("skipping the Python provider: %v", err)
	}
	return dir
}

// countingProvider installs, in a fresh directory, a kubelogin-provider-<mode>
// that records each start in calls before it execs the Python provider.
func countingProvider(t *testing.T) (dir, calls string) {
	t.Helper()
	py := pythonProvider(t)
	dir = t.TempDir()
	calls = filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho started >> '" + calls + "'\nexec '" + filepath.Join(py, "kubelogin-provider-"+pythonMode) + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "kubelogin-provider-"+pythonMode), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, calls
}

func starts(t *testing.T, calls string) int {
	t.Helper()
	b, err := os.ReadFile(calls)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// signedToken is a token the API server stand-in accepts, as another tool
// would have put it in the file.
func signedToken(t *testing.T, c *cluster, exp time.Time) string {
	t.Helper()
	now := time.Now()
	tok, err := c.em.SignToken(map[string]any{
		"aud": entraemu.AKSServerID, "iss": c.em.IssuerV2(entraemu.DefaultTenantID), "tid": entraemu.DefaultTenantID,
		"oid": "5f1b7d0e-4f0c-4b8a-9e3d-2c6a1f0b7e11", "upn": entraemu.DefaultUserUPN, "ver": "2.0",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsignedJWT is a token for aud that only the host and the provider read:
// neither checks signatures.
func unsignedJWT(aud string, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(fmt.Sprintf(`{"aud":%q,"exp":%d}`, aud, exp.Unix()))) + ".c2ln"
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPythonProviderConformance runs the conformance kit against the Python
// provider, through the same go-plugin client as the host.
func TestPythonProviderConformance(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(pythonProvider(t), "kubelogin-provider-"+pythonMode)
	dir := t.TempDir()
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	valid, expired, notJWT := filepath.Join(dir, "valid"), filepath.Join(dir, "expired"), filepath.Join(dir, "notjwt")
	writeFile(t, valid, unsignedJWT("srv", exp)+"\n")
	writeFile(t, expired, unsignedJWT("srv", time.Now().Add(-time.Minute)))
	writeFile(t, notJWT, "not a token")
	request := func(extra map[string]string) *sdk.Request {
		return &sdk.Request{LoginMode: pythonMode, Scopes: []string{"srv/.default"}, Extra: extra}
	}
	expect := func(code sdk.ErrorCode) func(*testing.T, *providertest.Provider, providertest.Result) {
		return func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
			if sdk.CodeOf(r.Err) != code {
				t.Errorf("err = %v (%s), want %s", r.Err, sdk.CodeOf(r.Err), code)
			}
		}
	}
	providertest.Run(t, bin, providertest.Options{
		// A file that never appears, waited for longer than any timeout:
		// only the request's timeout or the host's cancel can end it.
		Request: request(map[string]string{"file": filepath.Join(dir, "never"), "wait": "600"}),
		Cases: []providertest.Case{
			{Name: "valid", Request: request(map[string]string{"file": valid}), Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
				if r.Err != nil || r.Token == nil || !r.Token.ExpiresAt.Equal(exp) || r.Count("progress") != 1 {
					t.Errorf("token %+v, err %v, events %+v", r.Token, r.Err, r.Events)
				}
			}},
			{Name: "expired", Request: request(map[string]string{"file": expired}), Check: expect(sdk.CodeExpired)},
			{Name: "not a JWT", Request: request(map[string]string{"file": notJWT}), Check: expect(sdk.CodeInvalidRequest)},
			{Name: "missing file", Request: request(map[string]string{"file": filepath.Join(dir, "absent")}), Check: expect(sdk.CodeInvalidRequest)},
			{Name: "bad wait", Request: request(map[string]string{"file": valid, "wait": "soon"}), Check: expect(sdk.CodeInvalidRequest)},
			{Name: "legacy", Request: &sdk.Request{LoginMode: pythonMode, Legacy: true, Resource: "srv", Extra: map[string]string{"file": valid}}, Check: expect(sdk.CodeInvalidRequest)},
		},
	})
}

// TestKubectlPythonProvider: real kubectl through the host and the Python
// provider; the second kubectl is served from the cache and starts nothing;
// progress shows only at -v 1; the provider exits when its host is killed.
func TestKubectlPythonProvider(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	providers, calls := countingProvider(t)
	c := newCluster(t, clusterOptions{})
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, signedToken(t, c, time.Now().Add(time.Hour)))
	args := []string{"get-token", "--login", pythonMode, "--server-id", entraemu.AKSServerID, "--provider-arg", "file=" + file}
	kc := c.kubeconfig(t, execUser{args: args})
	env := append(c.kubectlEnv(t, kc), "KUBELOGIN_PROVIDER_PATH="+providers)

	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := starts(t, calls); n != 1 {
		t.Fatalf("the first kubectl started the provider %d times, want 1", n)
	}
	if user := lastAPIUser(c); user != entraemu.DefaultUserUPN {
		t.Fatalf("the API server saw user %q, want %q", user, entraemu.DefaultUserUPN)
	}
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	if n := starts(t, calls); n != 1 {
		t.Fatalf("the second kubectl started the provider (%d starts in all): the cache was not used", n)
	}
	assertNoLeftovers(t, envValue(env, "TMPDIR"))

	for _, tt := range []struct {
		verbose []string
		shown   bool
	}{{nil, false}, {[]string{"-v", "1"}, true}} {
		r := run(t, env, "kubelogin", append(append(slices.Clone(args), "--no-cache"), tt.verbose...)...)
		if r.code != 0 {
			t.Fatalf("get-token %v: exit %d: %s", tt.verbose, r.code, r.stderr)
		}
		if got := strings.Contains(r.stderr, "Read a token from "+file); got != tt.shown {
			t.Errorf("get-token %v: progress shown = %v, want %v; stderr:\n%s", tt.verbose, got, tt.shown, r.stderr)
		}
	}

	// The host refuses it from the declared spec, before starting Python.
	r := run(t, env, "kubelogin", "get-token", "--login", pythonMode, "--server-id", entraemu.AKSServerID)
	if r.code != 1 || !strings.Contains(r.stderr, "needs provider arg file") || !strings.Contains(r.stderr, "add --provider-arg file=VALUE") {
		t.Fatalf("without its file argument: exit %d: %s", r.code, r.stderr)
	}

	t.Run("waits for the file and says so", func(t *testing.T) {
		later := filepath.Join(t.TempDir(), "later")
		cmd := exec.Command(filepath.Join(binDir, "kubelogin"), "get-token", "--login", pythonMode, "--server-id", entraemu.AKSServerID,
			"--provider-arg", "file="+later, "--provider-arg", "wait=60", "--no-cache")
		cmd.Env = env
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stdout strings.Builder
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stderr)
		for lines.Scan() && !strings.Contains(lines.Text(), "Waiting for "+later+" to appear") {
		}
		tok := signedToken(t, c, time.Now().Add(time.Hour))
		writeFile(t, later, tok)
		for lines.Scan() {
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("get-token while the file appears: %v", err)
		}
		if got := tokenOf(t, stdout.String()); got != tok {
			t.Fatal("the token written while the provider waited was not printed")
		}
	})

	t.Run("exits when the host dies", func(t *testing.T) {
		dir := t.TempDir()
		cmd := exec.Command(filepath.Join(binDir, "kubelogin"), "get-token", "--login", pythonMode, "--server-id", entraemu.AKSServerID,
			"--provider-arg", "file="+filepath.Join(dir, "never"), "--provider-arg", "wait=600", "--no-cache")
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		before := starts(t, calls)
		pid := waitForChild(t, cmd.Process.Pid, func() bool { return starts(t, calls) > before })
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		deadline := time.Now().Add(10 * time.Second)
		for processAlive(pid) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("the Python provider %d outlived its host by 10s", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// waitForChild returns the pid of parent's child once started says the
// provider was launched and a child process exists.
func waitForChild(t *testing.T, parent int, started func() bool) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if started() {
			if pids := childrenOf(parent); len(pids) > 0 {
				return pids[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the host never started the provider")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func childrenOf(parent int) []int {
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so split after ')'.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		var state string
		var ppid, pid int
		if _, err := fmt.Sscan(rest, &state, &ppid); err != nil || ppid != parent {
			continue
		}
		if _, err := fmt.Sscan(filepath.Base(filepath.Dir(s)), &pid); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// TestPythonProviderColdCall measures a cache miss served by the Python
// provider, and by the Go example for comparison: the wall time of
// get-token --no-cache. It reports; it asserts nothing about time.
func TestPythonProviderColdCall(t *testing.T) {
	t.Parallel()
	providers, _ := countingProvider(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	writeFile(t, file, unsignedJWT("srv", time.Now().Add(time.Hour)))
	env := append(withTestProviders(baseEnv(t)), "KUBELOGIN_PROVIDER_PATH="+providers+string(os.PathListSeparator)+filepath.Join(binDir, "testproviders"))
	measure := func(mode string) time.Duration {
		const runs = 5
		var times []time.Duration
		for i := 0; i < runs; i++ {
			began := time.Now()
			r := runCtx(t, context.Background(), env, nil, "kubelogin", "get-token", "-l", mode, "--server-id", "srv", "--provider-arg", "file="+file, "--no-cache")
			times = append(times, time.Since(began))
			if r.code != 0 {
				t.Fatalf("get-token -l %s: exit %d: %s", mode, r.code, r.stderr)
			}
		}
		slices.Sort(times)
		return times[runs/2]
	}
	py, goEx := measure(pythonMode), measure("tokenfile")
	t.Logf("get-token cache miss, median of 5: Python provider %v, Go example provider %v", py.Round(time.Millisecond), goEx.Round(time.Millisecond))
}
