// Package e2e runs the built binaries the way kubectl and users do: as
// processes, against the local Entra ID emulator and API server stand-in.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binDir holds kubelogin, the real providers and the test providers.
var binDir string

// testProviderModes are the behaviours of sdk/providertest/internal/testprovider, each
// installed as its own kubelogin-provider-<mode>.
var testProviderModes = []string{"fake", "crash", "crashstart", "hang", "stdout", "badversion", "badlog", "fail", "wrongaud", "slowstart", "dumpenv", "dumpcreds"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kubelogin-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := 1
	if err := buildAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildAll(dir string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	goCmdIn := func(dir string, env []string, args ...string) error {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append(env, "CGO_ENABLED=0")...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %v: %v\n%s", args, err, b)
		}
		return nil
	}
	goCmd := func(env []string, args ...string) error { return goCmdIn(root, env, args...) }
	build := func(out string, pkgs ...string) error {
		return goCmd(nil, append([]string{"build", "-o", out}, pkgs...)...)
	}
	// The shipped binaries are installed the way a `go install …/cmd/...@version`
	// user gets them, so every test also proves that such a set works.
	if err := goCmd([]string{"GOBIN=" + dir}, "install", "./cmd/..."); err != nil {
		return err
	}
	if err := build(dir+string(filepath.Separator), "./internal/cmd/kubelogin-testenv", "./internal/cmd/testbrowser", "./internal/cmd/chromiumbrowser"); err != nil {
		return err
	}
	// Test providers live in their own directory, found through
	// KUBELOGIN_PROVIDER_PATH, so ordinary runs never see them.
	tp := filepath.Join(dir, "testproviders")
	if err := build(tp+string(filepath.Separator), "github.com/kubelogin-dev/kubelogin/sdk/providertest/internal/testprovider"); err != nil {
		return err
	}
	// The example third-party provider, a module of its own built against the
	// sdk module alone, installed as an outsider would.
	if err := goCmdIn(filepath.Join(root, "examples", "provider-tokenfile"), nil,
		"build", "-o", filepath.Join(tp, "kubelogin-provider-tokenfile"), "."); err != nil {
		return err
	}
	for _, m := range testProviderModes {
		if err := os.Link(filepath.Join(tp, "testprovider"), filepath.Join(tp, "kubelogin-provider-"+m)); err != nil {
			return err
		}
	}
	return nil
}

// run executes a built binary with exactly env (plus PATH and HOME unless given).
type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), env, nil, name, args...)
}

func runCtx(t *testing.T, ctx context.Context, env []string, stdin []byte, name string, args ...string) result {
	t.Helper()
	path := name
	if !filepath.IsAbs(name) {
		if p := filepath.Join(binDir, name); fileExists(p) {
			path = p
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s %v: %v", name, args, err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// baseEnv is a clean environment: a private HOME and TMPDIR, and PATH
// holding the built binaries first.
func baseEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	// A short TMPDIR, as most users have; long ones are covered separately.
	tmp, err := os.MkdirTemp("/tmp", "kl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	// The default cache's data key lives in the kernel keyring, not under home: remove it with the test.
	t.Cleanup(func() { _, _ = tokenstore.System().Delete(filepath.Join(home, ".kube", "cache", "kubelogin")) })
	return []string{
		// Any managed identity call goes to a closed loopback port, never to
		// the link-local IMDS address; msi tests set the emulator's endpoint.
		"IDENTITY_ENDPOINT=http://127.0.0.1:9/msi/token",
		"IDENTITY_HEADER=e2e-no-managed-identity",
		"HOME=" + home,
		"TMPDIR=" + tmp,
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
}

func withTestProviders(env []string) []string {
	return append(env, "KUBELOGIN_PROVIDER_PATH="+filepath.Join(binDir, "testproviders"))
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// tokenOf returns the token of the ExecCredential in stdout.
func tokenOf(t *testing.T, stdout string) string {
	t.Helper()
	var cred struct {
		Status struct {
			Token string `json:"token"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(stdout), &cred); err != nil || cred.Status.Token == "" {
		t.Fatalf("stdout is not an ExecCredential with a token: %q (%v)", stdout, err)
	}
	return cred.Status.Token
}
