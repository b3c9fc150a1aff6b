package providertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/client"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// Provider is a provider binary running under the go-plugin client, as
// the host runs it.
type Provider struct {
	// StartupTime is how long the handshake took.
	StartupTime time.Duration

	client   *plugin.Client
	rpc      *client.Client
	run      *procRunner
	stderr   buffer // the process's own stderr, where sdk.Logger writes
	relayOut buffer // os.Stdout writes after the handshake, relayed over gRPC
	relayErr buffer // os.Stderr writes after the handshake, relayed over gRPC
}

// Start launches binary as the host does (see the package doc) with env
// added to the test's environment, waits up to startTimeout for the
// handshake (0 means 10s), and kills the process when t ends.
func Start(t testing.TB, binary string, startTimeout time.Duration, env ...string) *Provider {
	t.Helper()
	p, err := start(binary, startTimeout, env)
	if err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	return p
}

func start(binary string, startTimeout time.Duration, env []string) (*Provider, error) {
	if startTimeout == 0 {
		startTimeout = 10 * time.Second
	}
	p := &Provider{}
	// The launch the host makes, at the protocol level: the environment
	// given (the host's own minus kubelogin's settings variables; here the
	// kit's plus env), the log level, a private directory for the Unix
	// socket, gRPC only, no mTLS on Unix sockets, the host's message limit.
	// go-plugin adds the cookie and PLUGIN_PROTOCOL_VERSIONS.
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  client.Handshake,
		VersionedPlugins: client.VersionedPlugins(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		SkipHostEnv:      true,
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: socketBase()},
		RunnerFunc: func(_ hclog.Logger, cmd *exec.Cmd, _ string) (runner.Runner, error) {
			c := exec.Command(binary)
			c.Env = append(append(os.Environ(), env...), cmd.Env...)
			r, err := newProcRunner(c)
			p.run = r
			return r, err
		},
		AutoMTLS:        runtime.GOOS == "windows",
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(protocol.MaxMessageSize))},
		Logger:          hclog.New(&hclog.LoggerOptions{Level: hclog.Off, Output: io.Discard}),
		Stderr:          &p.stderr,
		SyncStdout:      &p.relayOut,
		SyncStderr:      &p.relayErr,
		StartTimeout:    startTimeout,
	})
	began := time.Now()
	rpc, err := p.client.Client()
	if err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("handshake: %w (stderr: %q)", err, tail(p.stderr.String()))
	}
	raw, err := rpc.Dispense(protocol.PluginName)
	if err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("dispense %q: %w", protocol.PluginName, err)
	}
	p.StartupTime = time.Since(began)
	c, ok := raw.(*client.Client)
	if !ok {
		p.client.Kill()
		return nil, fmt.Errorf("dispensed %T, not the kit's client", raw)
	}
	p.rpc = c
	return p, nil
}

// Describe calls the provider's Describe.
func (p *Provider) Describe(ctx context.Context) (sdk.Info, error) { return p.rpc.Describe(ctx) }

// GetToken sends req and records the UI events the provider streams.
func (p *Provider) GetToken(ctx context.Context, req *sdk.Request) Result {
	ui := &recorder{}
	tok, err := p.rpc.GetToken(ctx, req, ui)
	return Result{Token: tok, Err: err, Events: ui.events()}
}

// Kill stops the provider and reports whether it left its process or
// socket behind. It first gives output relayed over gRPC a moment to
// arrive, since go-plugin drops what is in flight when it kills.
func (p *Provider) Kill() error {
	time.Sleep(100 * time.Millisecond)
	p.client.Kill()
	if p.run == nil {
		return nil
	}
	return p.run.leftovers()
}

// Stdout is what the provider wrote to standard output after the
// handshake line, raw or relayed; it must stay empty.
func (p *Provider) Stdout() string { return p.run.afterHandshake() + p.relayOut.String() }

// Stderr is what the provider wrote to standard error, directly (as
// sdk.Logger does) or relayed.
func (p *Provider) Stderr() string { return joinLines(p.stderr.String(), p.relayErr.String()) }

func joinLines(a, b string) string {
	if a != "" && b != "" && !strings.HasSuffix(a, "\n") {
		a += "\n"
	}
	return a + b
}

// Result is the outcome of one GetToken call.
type Result struct {
	Token  *sdk.Token
	Err    error
	Events []Event
}

// Event is one UI call a provider made during GetToken.
type Event struct {
	Kind       string // "message", "progress", "open_url" or "device_code"
	Text       string // message or progress text, or the URL to open
	DeviceCode sdk.DeviceCode
}

// Count returns how many events are of kind.
func (r Result) Count(kind string) int {
	n := 0
	for _, e := range r.Events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

type recorder struct {
	mu  sync.Mutex
	evs []Event
}

func (r *recorder) add(e Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return nil
}

func (r *recorder) events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.evs...)
}

func (r *recorder) Message(text string) error  { return r.add(Event{Kind: "message", Text: text}) }
func (r *recorder) Progress(text string) error { return r.add(Event{Kind: "progress", Text: text}) }
func (r *recorder) OpenURL(url, _ string) error {
	return r.add(Event{Kind: "open_url", Text: url})
}
func (r *recorder) DeviceCode(dc sdk.DeviceCode) error {
	return r.add(Event{Kind: "device_code", DeviceCode: dc})
}

// procRunner is go-plugin's command runner plus a tap on stdout: go-plugin
// itself discards whatever follows the handshake line, and that is exactly
// what a provider must never write (kubectl reads the host's stdout as data).
type procRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser

	mu     sync.Mutex
	out    bytes.Buffer
	exited bool
}

func newProcRunner(cmd *exec.Cmd) (*procRunner, error) {
	r := &procRunner{cmd: cmd}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if r.stderr, err = cmd.StderrPipe(); err != nil {
		return nil, err
	}
	r.stdout = &tap{ReadCloser: out, r: r}
	return r, nil
}

type tap struct {
	io.ReadCloser
	r *procRunner
}

func (t *tap) Read(b []byte) (int, error) {
	n, err := t.ReadCloser.Read(b)
	t.r.mu.Lock()
	t.r.out.Write(b[:n])
	t.r.mu.Unlock()
	return n, err
}

func (r *procRunner) Start(context.Context) error { return r.cmd.Start() }

func (r *procRunner) Wait(context.Context) error {
	err := r.cmd.Wait()
	r.mu.Lock()
	r.exited = true
	r.mu.Unlock()
	return err
}

func (r *procRunner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (r *procRunner) Stdout() io.ReadCloser { return r.stdout }
func (r *procRunner) Stderr() io.ReadCloser { return r.stderr }
func (r *procRunner) Name() string          { return r.cmd.Path }
func (r *procRunner) Diagnose(context.Context) string {
	return "the provider did not print a go-plugin handshake line; it must call sdk.Serve before writing anything"
}

func (r *procRunner) ID() string {
	if r.cmd.Process == nil {
		return ""
	}
	return strconv.Itoa(r.cmd.Process.Pid)
}

func (r *procRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (r *procRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (r *procRunner) handshake() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	line, _, _ := strings.Cut(r.out.String(), "\n")
	return line
}

func (r *procRunner) afterHandshake() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, rest, _ := strings.Cut(r.out.String(), "\n")
	return rest
}

// leftovers reports a process still running or a Unix socket left on disk.
func (r *procRunner) leftovers() error {
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	if !exited && r.cmd.Process != nil {
		return fmt.Errorf("process %d still running after Kill", r.cmd.Process.Pid)
	}
	if parts := strings.Split(r.handshake(), "|"); len(parts) > 3 && parts[2] == "unix" {
		if _, err := os.Stat(parts[3]); err == nil {
			return fmt.Errorf("socket %s left behind after Kill", parts[3])
		}
	}
	return nil
}

// buffer is a bytes.Buffer safe for go-plugin's writer goroutines.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// socketBase picks a directory whose path keeps a socket address under the
// 104-108 byte limit, as the host does: a long TMPDIR (macOS, test runners)
// would make the provider fail to listen.
func socketBase() string {
	for _, d := range []string{os.TempDir(), os.Getenv("XDG_RUNTIME_DIR"), "/tmp"} {
		if d == "" || len(d) > 60 {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return os.TempDir()
}

func tail(s string) string {
	const max = 2000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}
