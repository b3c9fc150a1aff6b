package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestVersionAndProvidersList runs the set TestMain installed with
// `GOBIN=… go install ./cmd/...`: kubelogin finds every provider beside it.
func TestVersionAndProvidersList(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := run(t, env, "kubelogin", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "kubelogin version ") || !strings.Contains(r.stdout, "Platform: ") {
			t.Errorf("kubelogin %v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	r := run(t, env, "kubelogin", "providers", "list")
	if r.code != 0 {
		t.Fatalf("providers list: exit %d: %s", r.code, r.stderr)
	}
	for _, mode := range shippedModes(t) {
		row := regexp.MustCompile(`(?m)^\S+\s+\S+\s+` + mode + `\s+` + regexp.QuoteMeta(filepath.Join(binDir, "kubelogin-provider-"+mode)) + `\s+kubelogin's directory$`)
		if !row.MatchString(r.stdout) {
			t.Errorf("providers list has no row for %s found next to kubelogin:\n%s", mode, r.stdout)
		}
	}
	r = run(t, withTestProviders(env), "kubelogin", "providers", "list", "--timeout", "2s")
	if !strings.Contains(r.stdout, "badversion") || !strings.Contains(r.stdout, "error: provider badversion") || !strings.Contains(r.stdout, "KUBELOGIN_PROVIDER_PATH") {
		t.Errorf("a broken provider must be listed with its error:\n%s", r.stdout)
	}
}

// shippedModes lists the modes of cmd/kubelogin-provider-<mode>, the set
// that `go install …/cmd/...` installs.
func shippedModes(t *testing.T) []string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join("..", "cmd", "kubelogin-provider-*"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no provider mains under cmd/: %v", err)
	}
	var modes []string
	for _, m := range mains {
		modes = append(modes, strings.TrimPrefix(filepath.Base(m), "kubelogin-provider-"))
	}
	return modes
}

// TestInterruptStopsProvider: Ctrl-C while a provider works ends kubelogin
// promptly and leaves nothing running (providers ignore SIGINT themselves).
func TestInterruptStopsProvider(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	marker := filepath.Join(envValue(env, "TMPDIR"), "testprovider-calls")
	cmd := exec.Command(filepath.Join(binDir, "kubelogin"), "get-token", "-l", "hang", "--server-id", "s")
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !fileExists(marker) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the provider never got the request")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The check below must see a provider that is still there.
	if running := processesOf(envValue(env, "TMPDIR")); len(running) != 2 {
		cmd.Process.Kill()
		t.Fatalf("while the provider works, processes seen = %v, want kubelogin and its provider", running)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("kubelogin did not exit after SIGINT")
	}
	if cmd.ProcessState.ExitCode() != 1 || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", cmd.ProcessState.ExitCode(), stdout.String(), stderr.String())
	}
	t.Logf("exited %s after SIGINT: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(stderr.String()))
	assertNoLeftovers(t, envValue(env, "TMPDIR"))
}

// TestSecretsNeverLogged runs a failing and a succeeding spn call at the
// highest verbosity with the secret as a flag and in the environment.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{})
	base := []string{"get-token", "-v", "10", "--login", "spn", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
		"--tenant-id", "8a2f4d6e-1b3c-4e5f-9a7b-0c1d2e3f4a5b", "--authority-host", c.em.URL(), "--disable-instance-discovery", "--no-cache"}
	cases := []struct {
		name string
		args []string
		env  []string
		ok   bool
	}{
		{name: "flag", args: []string{"--client-id", c.spn.ID, "--client-secret", c.spn.Secret}, ok: true},
		{name: "env", env: []string{"AZURE_CLIENT_ID=" + c.spn.ID, "AZURE_CLIENT_SECRET=" + c.spn.Secret}, ok: true},
		{name: "wrong secret flag", args: []string{"--client-id", c.spn.ID, "--client-secret", "not-the-secret-but-still-secret"}},
		{name: "wrong secret env", env: []string{"AAD_SERVICE_PRINCIPAL_CLIENT_ID=" + c.spn.ID, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET=not-the-secret-but-still-secret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append(c.kubectlEnv(t, "unused"), tc.env...)
			r := run(t, env, "kubelogin", append(base, tc.args...)...)
			if (r.code == 0) != tc.ok {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, secret := range []string{c.spn.Secret, "not-the-secret-but-still-secret"} {
				if strings.Contains(r.stderr, secret) {
					t.Fatalf("stderr at -v 10 contains a secret:\n%s", r.stderr)
				}
			}
			if tc.ok {
				tok := tokenOf(t, r.stdout)
				if strings.Contains(r.stderr, tok) || strings.Contains(r.stderr, tok[:40]) {
					t.Fatal("stderr contains the access token")
				}
			}
			if !strings.Contains(r.stderr, "[DEBUG]") && !strings.Contains(r.stderr, "[TRACE]") {
				t.Fatalf("-v 10 logged nothing, so the check proves nothing:\n%s", r.stderr)
			}
		})
	}
}

// TestRemoveTokensAndStatus: status lists entries without tokens;
// remove-tokens and remove-cache-dir say what they removed.
func TestRemoveTokensAndStatus(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{})
	env := append(c.kubectlEnv(t, "unused"), "AZURE_CLIENT_ID="+c.spn.ID, "AZURE_CLIENT_SECRET="+c.spn.Secret)
	args := []string{"get-token", "--login", "spn", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
		"--authority-host", c.em.URL(), "--disable-instance-discovery"}
	var tokens []string
	for _, tenant := range []string{"8a2f4d6e-1b3c-4e5f-9a7b-0c1d2e3f4a5b", "kubelogin-test.onmicrosoft.com"} {
		r := run(t, env, "kubelogin", append(args, "--tenant-id", tenant)...)
		if r.code != 0 {
			t.Fatalf("get-token: %s", r.stderr)
		}
		tokens = append(tokens, tokenOf(t, r.stdout))
	}
	r := run(t, env, "kubelogin", "status")
	if r.code != 0 || strings.Count(r.stdout, "\nspn ") != 2 || !strings.Contains(r.stderr, "2 cached tokens") {
		t.Fatalf("status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, tok := range tokens {
		if strings.Contains(r.stdout+r.stderr, tok[:40]) {
			t.Fatal("status printed a token")
		}
	}
	for _, cmd := range []string{"remove-tokens", "remove-cache-dir"} {
		r = run(t, env, "kubelogin", cmd)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, r.code, r.stderr)
		}
		if cmd == "remove-tokens" && strings.Count(r.stderr, "removed ") < 2 {
			t.Fatalf("remove-tokens must list what it removed:\n%s", r.stderr)
		}
		if cmd == "remove-cache-dir" && !strings.Contains(r.stderr, "nothing to remove") {
			t.Fatalf("a second removal must say there was nothing:\n%s", r.stderr)
		}
	}
	if r := run(t, env, "kubelogin", "status"); !strings.Contains(r.stderr, "no cached tokens") {
		t.Fatalf("status after removal: %s%s", r.stdout, r.stderr)
	}
}

// TestBrokenCache: a corrupt entry is a warned miss and gets replaced; a
// cache directory that cannot exist degrades to no cache, never to failure.
func TestBrokenCache(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{})
	env := append(c.kubectlEnv(t, "unused"), "AZURE_CLIENT_ID="+c.spn.ID, "AZURE_CLIENT_SECRET="+c.spn.Secret)
	cacheDir := filepath.Join(envValue(env, "HOME"), "cache")
	args := []string{"get-token", "--login", "spn", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--tenant-id", "8a2f4d6e-1b3c-4e5f-9a7b-0c1d2e3f4a5b",
		"--authority-host", c.em.URL(), "--disable-instance-discovery", "--cache-dir", cacheDir}
	if r := run(t, env, "kubelogin", args...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(cacheDir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	for _, garbage := range []string{"", "{\"kind\":\"kubelogin-cache-entry\",\"vers", "\x00\x01binary", `{"some":"other tool"}`} {
		if err := os.WriteFile(files[0], []byte(garbage), 0o600); err != nil {
			t.Fatal(err)
		}
		r := run(t, env, "kubelogin", args...)
		if r.code != 0 || tokenOf(t, r.stdout) == "" {
			t.Fatalf("corrupt entry %q: exit %d: %s", garbage, r.code, r.stderr)
		}
		if strings.Count(r.stderr, "Warning:") != 1 {
			t.Fatalf("corrupt entry %q: want exactly one warning line, got:\n%s", garbage, r.stderr)
		}
		if r := run(t, env, "kubelogin", args...); r.code != 0 || strings.Contains(r.stderr, "Warning") {
			t.Fatalf("the corrupt entry was not replaced: %s", r.stderr)
		}
	}

	blocker := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(blocker, nil, 0o600)
	bad := append(args[:len(args)-1:len(args)-1], filepath.Join(blocker, "cache"))
	r := run(t, env, "kubelogin", bad...)
	if r.code != 0 || tokenOf(t, r.stdout) == "" || !strings.Contains(r.stderr, "Warning: token cache disabled") {
		t.Fatalf("unusable cache dir: exit %d\nstderr: %s", r.code, r.stderr)
	}
}

// TestParallelKubectl: 20 kubectl processes start together with nothing
// cached; exactly one token request reaches Entra ID and all succeed.
func TestParallelKubectl(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{})
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("spn")})
	env := c.kubectlEnv(t, kc, "AAD_SERVICE_PRINCIPAL_CLIENT_ID="+c.spn.ID, "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET="+c.spn.Secret)
	const n = 20
	results := make(chan result, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-start
			results <- runCtx(t, context.Background(), env, nil, kubectl, "get", "nodes")
		}()
	}
	close(start)
	for i := 0; i < n; i++ {
		requireNodes(t, <-results)
	}
	if got := c.em.Count("client_credentials"); got != 1 {
		t.Fatalf("%d kubectl processes made %d token requests, want 1", n, got)
	}
	files, _ := filepath.Glob(filepath.Join(envValue(env, "HOME"), ".kube", "cache", "kubelogin", "*.json"))
	if len(files) != 1 {
		t.Fatalf("want one cache entry, got %v", files)
	}
	if r := run(t, env, "kubelogin", "status"); r.code != 0 || strings.Contains(r.stderr, "Warning") {
		t.Fatalf("the entry does not parse afterwards: %s", r.stderr)
	}
}

// TestParallelKubectlExpiredSignIn: after a device code sign-in, the access
// token expires; 20 kubectl processes start at once. One refresh token grant
// serves them all, and nobody is prompted again.
func TestParallelKubectlExpiredSignIn(t *testing.T) {
	t.Parallel()
	kubectl := kubectlPath(t)
	c := newCluster(t, clusterOptions{tokenLifetime: 4 * time.Minute})
	codes := c.approveDeviceCodes(t)
	kc := c.kubeconfig(t, execUser{args: c.aksArgs("devicecode")})
	env := c.kubectlEnv(t, kc)
	requireNodes(t, run(t, env, kubectl, "get", "nodes"))
	expireCachedTokens(t, homeCache(env))

	const n = 20
	results := make(chan result, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-start
			results <- runCtx(t, context.Background(), env, nil, kubectl, "get", "nodes")
		}()
	}
	close(start)
	for i := 0; i < n; i++ {
		r := <-results
		requireNodes(t, r)
		if strings.Contains(r.stderr, "To sign in") {
			t.Errorf("a parallel kubectl was prompted:\n%s", r.stderr)
		}
	}
	if got := c.em.Count("refresh_token"); got != 1 {
		t.Fatalf("%d parallel kubectl processes made %d refresh grants, want 1", n, got)
	}
	if got := len(codes()); got != 1 {
		t.Fatalf("device codes issued = %d, want only the first sign-in's", got)
	}
	if r := run(t, env, "kubelogin", "status"); r.code != 0 || strings.Contains(r.stderr, "Warning") {
		t.Fatalf("the entry does not parse afterwards: %s", r.stderr)
	}
}

// TestHostLinksNoAzureLibraries keeps cache hits fast: the host must not
// carry the identity libraries, only providers do.
func TestHostLinksNoAzureLibraries(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "version", "-m", filepath.Join(binDir, "kubelogin")).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, out)
	}
	for _, mod := range []string{"azidentity", "azcore", "microsoft-authentication-library-for-go"} {
		if strings.Contains(string(out), mod) {
			t.Errorf("bin/kubelogin links %s", mod)
		}
	}
	if !strings.Contains(string(out), "github.com/hashicorp/go-plugin") {
		t.Fatalf("go version -m output looks wrong:\n%s", out)
	}
}

// TestProviderExitsWhenHostDies: kubelogin killed with SIGKILL cannot stop
// its provider; the SDK's watchdog must notice and end it.
func TestProviderExitsWhenHostDies(t *testing.T) {
	t.Parallel()
	env := withTestProviders(baseEnv(t))
	marker := filepath.Join(envValue(env, "TMPDIR"), "testprovider-calls")
	cmd := exec.Command(filepath.Join(binDir, "kubelogin"), "get-token", "-l", "hang", "--server-id", "s")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	deadline := time.Now().Add(20 * time.Second)
	for pid == 0 {
		if b, err := os.ReadFile(marker); err == nil && len(b) > 0 {
			fmt.Sscan(string(b), &pid)
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the provider never got the request")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline = time.Now().Add(10 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("provider %d outlived its host by 10s", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie has exited; only its parent (now init) has yet to reap it.
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}
