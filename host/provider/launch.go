package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/client"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// socketDirPrefix names the private directories holding provider sockets.
const socketDirPrefix = "kubelogin-provider-"

// DefaultStartTimeout bounds a provider's start-up handshake.
const DefaultStartTimeout = 20 * time.Second

// DefaultMaxMessageSize bounds each message a provider sends (an event, or the final token with its state),
// so a misbehaving provider cannot make kubelogin buffer hundreds of megabytes and hand them to kubectl.
const DefaultMaxMessageSize = protocol.MaxMessageSize

// MaxMessageSizeEnv raises or lowers DefaultMaxMessageSize: bytes, or a number with a KiB or MiB suffix.
// The host reads it (ParseMaxMessageSize) and passes the limit in Options; providers never see it.
const MaxMessageSizeEnv = "KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE"

// Options tune how providers are started.
type Options struct {
	// Logger receives the provider's log lines; nil discards them.
	Logger hclog.Logger
	// StartTimeout bounds the handshake; zero means DefaultStartTimeout.
	StartTimeout time.Duration
	// MaxMessageSize bounds each message received from the provider; zero means DefaultMaxMessageSize.
	MaxMessageSize int
	// Env is the provider's environment, without the variables the host
	// adds for the launch; nil starts it with those alone.
	Env []string
}

// Process is one running provider.
type Process struct {
	Candidate Candidate

	client  *plugin.Client
	cmd     *exec.Cmd
	rpc     *client.Client
	sink    *logSink
	sockDir string
	timeout time.Duration
	maxMsg  int
}

// Start launches the provider and completes the go-plugin handshake.
func Start(c Candidate, opts Options) (*Process, error) {
	logger := opts.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	level := logger.GetLevel()
	if level == hclog.NoLevel || level == hclog.Off {
		level = hclog.Error
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	maxMsg := opts.MaxMessageSize
	if maxMsg <= 0 {
		maxMsg = DefaultMaxMessageSize
	}
	if c.Reattach != nil {
		return attach(c, logger, maxMsg)
	}
	base := socketBase()
	sweepStaleSockets(base, time.Now())
	sockDir, err := os.MkdirTemp(base, socketDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("creating a private socket directory: %w", err)
	}
	cmd := exec.Command(c.Path)
	if c.SHA256 != "" {
		f, err := policy.Open(policy.Provider{Mode: c.Mode, Path: c.Path, SHA256: c.SHA256})
		if err != nil {
			_ = os.RemoveAll(sockDir)
			return nil, err
		}
		// The child has its own copy once started.
		defer f.Close()
		cmd = policy.Command(f, c.Path)
	}
	cmd.Env = childEnv(opts.Env,
		protocol.LogLevelEnv+"="+level.String(),
		plugin.EnvUnixSocketDir+"="+sockDir,
	)
	p := &Process{
		Candidate: c,
		cmd:       cmd,
		sink:      &logSink{logger: logger.Named(c.Mode)},
		sockDir:   sockDir,
		timeout:   timeout,
		maxMsg:    maxMsg,
	}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  client.Handshake,
		VersionedPlugins: client.VersionedPlugins(),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		// go-plugin's own log parsing can panic on malformed lines; it is
		// skipped only with the logger off, so our sink parses instead.
		Logger:       hclog.New(&hclog.LoggerOptions{Level: hclog.Off}),
		Stderr:       p.sink,
		StartTimeout: timeout,
		// Unix sockets live in a private 0700 directory; Windows uses
		// loopback TCP that any local user can reach, so there the
		// connection is mutually authenticated (~45 ms per start).
		AutoMTLS:        runtime.GOOS == "windows",
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg))},
	})
	if err := p.connect(); err != nil {
		return nil, err
	}
	return p, nil
}

// attach connects to a provider running under a debugger (Candidate.Reattach).
// go-plugin leaves such a process alone on Close: it serves the next run too.
func attach(c Candidate, logger hclog.Logger, maxMsg int) (*Process, error) {
	r := c.Reattach
	var addr net.Addr
	var err error
	switch r.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", r.Address)
	default:
		addr, err = net.ResolveTCPAddr("tcp", r.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: provider %s address %q: %w", protocol.ReattachEnv, c.Mode, r.Address, err)
	}
	if client.VersionedPlugins()[r.ProtocolVersion] == nil {
		return nil, fmt.Errorf("%s: provider %s speaks protocol version %d, which this kubelogin does not: rebuild it against this release's sdk", protocol.ReattachEnv, c.Mode, r.ProtocolVersion)
	}
	p := &Process{Candidate: c, sink: &logSink{logger: logger.Named(c.Mode)}, maxMsg: maxMsg}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: client.Handshake,
		// A reattached client skips version negotiation: it uses the set of
		// the version the provider printed.
		Plugins: client.VersionedPlugins()[r.ProtocolVersion],
		Reattach: &plugin.ReattachConfig{
			Protocol:        plugin.Protocol(r.Protocol),
			ProtocolVersion: r.ProtocolVersion,
			Addr:            addr,
			Pid:             r.Pid,
			Test:            true,
		},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Level: hclog.Off}),
		GRPCDialOptions:  []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg))},
	})
	if err := p.connect(); err != nil {
		return nil, err
	}
	return p, nil
}

// connect completes the handshake and dispenses the provider's client.
func (p *Process) connect() error {
	c := p.Candidate
	rpcClient, err := p.client.Client()
	if err != nil {
		p.Abort()
		return p.startError(err)
	}
	raw, err := rpcClient.Dispense(protocol.PluginName)
	if err != nil {
		p.Abort()
		return fmt.Errorf("provider %s (%s) does not serve the kubelogin provider protocol: %s", c.Mode, c.Path, firstLine(err.Error()))
	}
	rpc, ok := raw.(*client.Client)
	if !ok {
		p.Abort()
		return fmt.Errorf("provider %s (%s) returned an unexpected client type %T", c.Mode, c.Path, raw)
	}
	p.rpc = rpc
	return nil
}

func (p *Process) startError(err error) error {
	c := p.Candidate
	msg := err.Error()
	exited := strings.Contains(msg, "plugin exited before we could connect") ||
		strings.Contains(msg, "Failed to read any lines from plugin's stdout")
	switch {
	case strings.Contains(strings.ToLower(msg), "incompatible api version"):
		return fmt.Errorf("provider %s (%s) speaks another protocol version than this kubelogin (%d): install a provider built for this kubelogin release", c.Mode, c.Path, protocol.Version)
	case exited:
		p.waitExit()
		if last := p.sink.lastError(); last != "" {
			return fmt.Errorf("provider %s (%s) exited during start-up: %s", c.Mode, c.Path, last)
		}
		return fmt.Errorf("provider %s (%s) exited during start-up without a message: check that it is a kubelogin provider built with sdk.Serve", c.Mode, c.Path)
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		return fmt.Errorf("provider %s (%s) wrote to stdout before its handshake (%q): it must use sdk.Serve and never print to stdout", c.Mode, c.Path, unrecognized(msg))
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("provider %s (%s) did not start within %s: it must call sdk.Serve before doing any slow work", c.Mode, c.Path, p.timeout.Round(100*time.Millisecond))
	}
	return fmt.Errorf("starting provider %s (%s): %s", c.Mode, c.Path, firstLine(msg))
}

// Describe asks the provider who it is.
func (p *Process) Describe(ctx context.Context) (sdk.Info, error) {
	info, err := p.rpc.Describe(ctx)
	if err != nil {
		return info, p.rpcError(ctx, err)
	}
	return info, nil
}

// GetToken runs one request; provider failures keep their *sdk.Error, and
// transport failures become one line naming the provider.
func (p *Process) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	tok, err := p.rpc.GetToken(ctx, req, ui)
	if err != nil {
		var se *sdk.Error
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, p.rpcError(ctx, err)
	}
	return tok, nil
}

func (p *Process) rpcError(ctx context.Context, err error) error {
	c := p.Candidate
	if ctx.Err() != nil || status.Code(err) == codes.DeadlineExceeded || status.Code(err) == codes.Canceled {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
			return &sdk.Error{Code: sdk.CodeCancelled, Message: fmt.Sprintf("provider %s did not answer within the time allowed: raise --timeout if signing in takes longer", c.Mode)}
		}
		return &sdk.Error{Code: sdk.CodeCancelled, Message: "cancelled"}
	}
	if status.Code(err) == codes.ResourceExhausted {
		return fmt.Errorf("provider %s (%s) sent a message larger than the %d-byte limit: %s; if the provider is right, raise %s", c.Mode, c.Path, p.maxMsg, firstLine(status.Convert(err).Message()), MaxMessageSizeEnv)
	}
	if p.client.Exited() || status.Code(err) == codes.Unavailable {
		p.waitExit()
		if last := p.sink.lastError(); last != "" {
			return fmt.Errorf("provider %s (%s) crashed: %s", c.Mode, c.Path, last)
		}
		return fmt.Errorf("provider %s (%s) stopped unexpectedly: %s", c.Mode, c.Path, firstLine(status.Convert(err).Message()))
	}
	return fmt.Errorf("provider %s (%s): %s", c.Mode, c.Path, firstLine(status.Convert(err).Message()))
}

// waitExit gives a dying provider a moment to flush its last stderr lines.
func (p *Process) waitExit() {
	deadline := time.Now().Add(time.Second)
	for !p.client.Exited() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// Close stops the provider gracefully and removes its socket directory.
func (p *Process) Close() {
	p.client.Kill()
	_ = os.RemoveAll(p.sockDir)
}

// Abort kills the provider at once, for timeouts and interrupts where a
// graceful stop could wait on a hung provider.
func (p *Process) Abort() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	p.Close()
}

// ParseMaxMessageSize parses the MaxMessageSizeEnv value for Options.MaxMessageSize; empty means the default.
func ParseMaxMessageSize(v string) (int, error) {
	if v == "" {
		return DefaultMaxMessageSize, nil
	}
	num, unit := strings.TrimSpace(v), 1
	for _, u := range []struct {
		suffix string
		size   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}} {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, unit = strings.TrimSpace(n), u.size
			break
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > math.MaxInt32/unit {
		return 0, fmt.Errorf("%s=%q is not a size: write bytes, or a number with KiB or MiB (default 1MiB)", MaxMessageSizeEnv, v)
	}
	return n * unit, nil
}

// socketBase picks a directory for the provider's Unix socket whose path
// stays well under the 104-108 byte limit of socket addresses; a long
// TMPDIR (macOS, test runners) would make the provider fail to listen.
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

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

func unrecognized(msg string) string {
	const marker = "Unrecognized remote plugin message:"
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	s := firstLine(msg[i+len(marker):])
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}
