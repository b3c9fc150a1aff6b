package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// TestReattach does what the README tells a provider author to do: run the
// provider by hand with KUBELOGIN_PROVIDER_DEBUG=1, export the
// KUBELOGIN_PROVIDER_REATTACH line it prints, and run kubelogin. Both calls
// reach that one process, which no search path names and which keeps
// running between them; under a provider policy the variable is refused;
// Ctrl-C stops the provider.
func TestReattach(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(policy.AdminFile); err == nil {
		t.Fatalf("%s exists on this machine; it would refuse every reattach", policy.AdminFile)
	}
	fake := filepath.Join(binDir, "testproviders", "kubelogin-provider-fake")
	debugged := startDebugProvider(t, fake)

	// No KUBELOGIN_PROVIDER_PATH: no binary for mode fake can be found, so
	// a token can only come from the reattached process.
	env := append(baseEnv(t), protocol.ReattachEnv+"="+debugged.reattach)
	for i := 1; i <= 2; i++ {
		r := run(t, env, "kubelogin", "get-token", "-l", "fake", "--server-id", "s", "--no-cache")
		if r.code != 0 {
			t.Fatalf("call %d: exit %d: %s", i, r.code, r.stderr)
		}
		tokenOf(t, r.stdout)
		if !strings.Contains(r.stderr, "testprovider says hello") {
			t.Errorf("call %d: stderr lacks the provider's message: %q", i, r.stderr)
		}
		if got := debugged.calls(t); len(got) != i {
			t.Fatalf("after call %d the provider served %d calls, want %d", i, len(got), i)
		}
		select {
		case <-debugged.exited:
			t.Fatalf("the provider exited after call %d: %s", i, debugged.stderr.String())
		default:
		}
	}
	for _, pid := range debugged.calls(t) {
		if pid != debugged.cmd.Process.Pid {
			t.Errorf("a call was served by process %d, not the debugged provider %d", pid, debugged.cmd.Process.Pid)
		}
	}
	assertNoLeftovers(t, envValue(env, "TMPDIR"))

	t.Run("refused under a policy", func(t *testing.T) {
		b, err := os.ReadFile(fake)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		file := filepath.Join(t.TempDir(), "policy.yaml")
		// The mode is approved, and its binary still does not run: an
		// approved provider is a checksummed file, a process is not.
		doc := "providers:\n  - mode: fake\n    path: " + fake + "\n    sha256: " + hex.EncodeToString(sum[:]) + "\n"
		if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		env := append(baseEnv(t), protocol.ReattachEnv+"="+debugged.reattach, policy.EnvFile+"="+file)
		r := run(t, env, "kubelogin", "get-token", "-l", "fake", "--server-id", "s", "--no-cache")
		want := protocol.ReattachEnv + " names login mode fake, but the policy " + file + " allows only approved provider files: unset " + protocol.ReattachEnv
		if r.code != 1 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, want) {
			// stdout may hold a token: only its size is shown.
			t.Fatalf("exit %d, %d bytes on stdout, stderr %q; want exit 1, nothing on stdout and one line with %q", r.code, len(r.stdout), r.stderr, want)
		}
		if got := debugged.calls(t); len(got) != 2 {
			t.Errorf("the refused call reached the provider: %d calls", len(got))
		}
		assertNoLeftovers(t, envValue(env, "TMPDIR"))
	})

	if err := debugged.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-debugged.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the provider did not stop on Ctrl-C")
	}
	if code := debugged.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the provider exited %d on Ctrl-C: %s", code, debugged.stderr.String())
	}
}

// debugProvider is a provider binary running in debug mode, as an author
// starts it under a debugger.
type debugProvider struct {
	cmd      *exec.Cmd
	tmp      string        // its TMPDIR, where the test provider records each call
	reattach string        // the KUBELOGIN_PROVIDER_REATTACH value it printed
	exited   chan struct{} // closed once the process has exited
	stderr   syncBuffer
}

// startDebugProvider runs binary with KUBELOGIN_PROVIDER_DEBUG=1 and waits
// for its reattach line; the process is killed when t ends.
func startDebugProvider(t *testing.T, binary string) *debugProvider {
	t.Helper()
	env := append(baseEnv(t), protocol.DebugEnv+"=1")
	p := &debugProvider{cmd: exec.Command(binary), tmp: envValue(env, "TMPDIR"), exited: make(chan struct{})}
	p.cmd.Env = env
	stdout := &lineWatcher{prefix: "export " + protocol.ReattachEnv + "=", found: make(chan string, 1)}
	p.cmd.Stdout, p.cmd.Stderr = stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	var line string
	select {
	case line = <-stdout.found:
	case <-p.exited:
		t.Fatalf("the provider exited before printing its reattach line: stdout %q, stderr %q", stdout.String(), p.stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("no reattach line from the provider: stdout %q, stderr %q", stdout.String(), p.stderr.String())
	}
	// The line is for a shell: the value is single-quoted JSON.
	p.reattach = strings.TrimSuffix(strings.TrimPrefix(line, "'"), "'")
	m, err := protocol.ParseReattach(p.reattach)
	if err != nil {
		t.Fatalf("the printed line %q: %v", line, err)
	}
	r, ok := m["fake"]
	if len(m) != 1 || !ok || r.Pid != p.cmd.Process.Pid || r.Network != "unix" || !strings.HasPrefix(r.Address, p.tmp) {
		t.Fatalf("reattach config %v, want mode fake at pid %d on a unix socket in %s", m, p.cmd.Process.Pid, p.tmp)
	}
	if !strings.Contains(stdout.String(), "Stop it with Ctrl-C") {
		t.Errorf("stdout does not say how to stop the provider: %q", stdout.String())
	}
	return p
}

// calls lists the process ids the test provider recorded, one per GetToken.
func (p *debugProvider) calls(t *testing.T) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.tmp, "testprovider-calls"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("testprovider-calls holds %q", b)
		}
		pids = append(pids, pid)
	}
	return pids
}

// lineWatcher collects a process's output and sends the rest of the first
// line starting with prefix, once that line is complete.
type lineWatcher struct {
	prefix string
	found  chan string
	mu     sync.Mutex
	buf    bytes.Buffer
	sent   bool
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if w.sent {
		return len(b), nil
	}
	for _, line := range strings.SplitAfter(w.buf.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), w.prefix); ok && strings.HasSuffix(line, "\n") {
			w.found <- rest
			w.sent = true
			break
		}
	}
	return len(b), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
