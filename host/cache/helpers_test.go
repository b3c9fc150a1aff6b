package cache

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Multi-process tests re-execute this test binary: with helperEnv set, TestMain runs the named helper
// instead of the tests (the standard os/exec trick, dispatched in TestMain so no test filter is needed).
const (
	helperEnv    = "KUBELOGIN_CACHE_TEST_HELPER"
	helperDirEnv = "KUBELOGIN_CACHE_TEST_DIR"
	helperLogEnv = "KUBELOGIN_CACHE_TEST_LOG"
)

var helpers = map[string]func() error{
	"writer":        helperWriter,
	"holder":        helperHolder,
	"single-flight": helperSingleFlight,
	"open":          helperOpen,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		helper, ok := helpers[name]
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown helper", name)
			os.Exit(2)
		}
		if err := helper(); err != nil {
			fmt.Fprintln(os.Stderr, "helper", name+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testKey is the key the helpers and most tests use.
var testKey = Key{LoginMode: "devicecode", AuthorityHost: "https://login.example/", TenantID: "tenant-a",
	ClientID: "client", ServerID: "server", Account: "alice@example.com"}

// selfCheckingEntry returns an entry whose token is the digest of its random state, so a reader can tell a
// complete entry from any mix of two writes.
func selfCheckingEntry(r *rand.ChaCha8, size int) *Entry {
	state := make([]byte, size)
	_, _ = r.Read(state)
	sum := sha256.Sum256(state)
	return &Entry{AccessToken: hex.EncodeToString(sum[:]), TokenType: "Bearer", ExpiresAt: time.Now().Add(time.Hour), State: state}
}

func checkSelfChecking(e *Entry) error {
	sum := sha256.Sum256(e.State)
	if e.AccessToken != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("token does not match state (%d bytes): entry is a mix of writes", len(e.State))
	}
	return nil
}

// helperWriter writes self-checking entries with large random state (16-128 KiB, so a write spans many
// pages yet stays quick under the race detector) until it is killed; it says "ready"
// after its first complete write.
func helperWriter() error {
	c := Open(os.Getenv(helperDirEnv), func(msg string) { fmt.Fprintln(os.Stderr, msg) })
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	r := rand.NewChaCha8(seed)
	for i := 0; ; i++ {
		if err := c.Put(testKey, selfCheckingEntry(r, 16<<10+rand.IntN(112<<10))); err != nil {
			return err
		}
		if i == 0 {
			fmt.Println("ready")
		}
	}
}

// helperHolder takes the lock for testKey, says "locked", and holds it until stdin closes.
func helperHolder() error {
	c := Open(os.Getenv(helperDirEnv), nil)
	unlock, err := c.Lock(context.Background(), testKey, nil)
	if err != nil {
		return err
	}
	defer unlock()
	fmt.Println("locked")
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// helperOpen opens the cache and says whether it is enabled, with the warning if not.
func helperOpen() error {
	var warned string
	c := Open(os.Getenv(helperDirEnv), func(msg string) { warned = msg })
	if c.Enabled() {
		os.Stdout.WriteString("enabled\n")
		return c.Put(testKey, sampleEntry())
	}
	os.Stdout.WriteString("disabled: " + warned + "\n")
	return nil
}

// helperSingleFlight is what get-token does: read; on a miss lock, read again, and only then "fetch" (log
// a line) and store. It waits for a line on stdin so that all helpers start at once, then prints the token
// it would hand to kubectl.
func helperSingleFlight() error {
	c := Open(os.Getenv(helperDirEnv), func(msg string) { fmt.Fprintln(os.Stderr, msg) })
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	const margin = 5 * time.Minute
	e, ok := c.Get(testKey)
	if !ok || !e.Usable(time.Now(), margin) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		unlock, err := c.Lock(ctx, testKey, nil)
		if err != nil {
			return err
		}
		defer unlock()
		if e, ok = c.Get(testKey); !ok || !e.Usable(time.Now(), margin) {
			if e, err = fakeFetch(e); err != nil {
				return err
			}
			if err := c.Put(testKey, e); err != nil {
				return err
			}
		}
	}
	fmt.Println("token", e.AccessToken)
	return nil
}

// fakeFetch stands in for a provider: it logs the call with O_APPEND (one line per fetch, whatever the
// interleaving) and takes a while, as a real refresh does, so that the other processes pile up on the lock.
func fakeFetch(old *Entry) (*Entry, error) {
	state := "none"
	if old != nil {
		state = string(old.State)
	}
	f, err := os.OpenFile(os.Getenv(helperLogEnv), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(f, "fetch pid=%d state=%s\n", os.Getpid(), state)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	time.Sleep(200 * time.Millisecond) // the simulated provider round trip
	return &Entry{AccessToken: fmt.Sprintf("token-from-%d", os.Getpid()), TokenType: "Bearer",
		ExpiresAt: time.Now().Add(time.Hour), State: []byte("fresh")}, nil
}

// helperProc is a running helper with its stdin and line-oriented stdout.
type helperProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *syncBuffer
}

// startHelper launches the named helper on dir. The process is killed and reaped at test end.
func startHelper(t testing.TB, name, dir string, env ...string) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	// atexit_sleep_ms=0: the race runtime otherwise idles a second at every helper's exit.
	cmd.Env = append(os.Environ(), helperEnv+"="+name, helperDirEnv+"="+dir,
		"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &helperProc{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return p
}

// expectLine reads the helper's next output line and fails unless it starts with prefix.
func (p *helperProc) expectLine(t testing.TB, prefix string) string {
	t.Helper()
	line, err := p.stdout.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, prefix) {
		t.Fatalf("helper %d: want a line starting %q, got %q (%v); stderr: %s", p.cmd.Process.Pid, prefix, line, err, p.stderr)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, prefix))
}

// kill SIGKILLs the helper and waits until it is gone, so its locks are released when kill returns.
func (p *helperProc) kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// syncBuffer collects a helper's stderr; exec's copier writes while a failing test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
