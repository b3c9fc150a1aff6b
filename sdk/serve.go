package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

var logger = slog.New(slog.DiscardHandler)

// Logger returns the provider's logger, set up by Serve. It writes hclog
// JSON lines to the process's stderr at the level the host asked for; the
// host shows them with -v, and nothing reaches stdout. Never log secrets or
// tokens with it. Levels below slog.LevelDebug are shown as trace.
func Logger() *slog.Logger { return logger }

// LevelTrace is the level the host's -v 5 (trace) shows.
const LevelTrace = slog.LevelDebug - 4

// Option changes how Serve runs a provider.
type Option func(*serveConfig)

type serveConfig struct {
	debug    bool
	debugOut io.Writer
}

// WithDebug runs the provider for a debugger instead of under the host:
// started by hand (dlv exec, an IDE), it listens, prints on stdout the
// KUBELOGIN_PROVIDER_REATTACH value to give kubelogin, and serves every
// kubelogin run that has it set until interrupted. Setting
// KUBELOGIN_PROVIDER_DEBUG=1 in the environment does the same without a
// rebuild. A provider started by the host never runs in debug mode.
func WithDebug() Option { return func(c *serveConfig) { c.debug = true } }

// Serve runs p as a provider: it shakes hands with the host that started
// it, serves its requests, and returns nil once the host shuts it down; it
// exits the process when the host dies without doing so, or when the binary
// was started without the host's handshake cookie. Call it first thing in
// main and return after it: the host bounds the start-up handshake, so do no
// slow work before.
func Serve(p Provider, opts ...Option) error {
	if p == nil {
		return errors.New("sdk.Serve: the provider is nil")
	}
	cfg := serveConfig{debugOut: os.Stdout}
	for _, o := range opts {
		o(&cfg)
	}
	// The host sets the cookie; a person running the binary does not.
	byHost := os.Getenv(protocol.MagicCookieKey) == protocol.MagicCookieValue
	if !byHost && os.Getenv(protocol.DebugEnv) != "" {
		cfg.debug = true
	}
	info := p.Describe()
	level := logLevel(os.Getenv(protocol.LogLevelEnv), cfg.debug)
	logger = newLogger(os.Stderr, level)
	sc := &plugin.ServeConfig{
		HandshakeConfig: handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			protocol.Version: {protocol.PluginName: &grpcPlugin{impl: p}},
		},
		GRPCServer: plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       info.Name,
			Level:      hclogLevel(level),
			Output:     os.Stderr,
			JSONFormat: true,
		}),
	}
	if cfg.debug {
		return serveDebug(sc, info, cfg.debugOut)
	}
	go exitWhenOrphaned(os.Getppid(), 500*time.Millisecond)
	plugin.Serve(sc)
	return nil
}

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  protocol.Version,
	MagicCookieKey:   protocol.MagicCookieKey,
	MagicCookieValue: protocol.MagicCookieValue,
}

// serveDebug serves in go-plugin's test mode: no cookie, no handshake line,
// and a process that outlives each kubelogin run, which reattaches to it.
func serveDebug(sc *plugin.ServeConfig, info Info, out io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	sc.Test = &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}
	go plugin.Serve(sc)
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-closed:
		return errors.New("the provider stopped before it listened: see the log above")
	}
	m := protocol.ReattachMap{}
	for _, mode := range info.Derived().LoginModes {
		m[mode] = protocol.Reattach{
			Protocol:        string(rc.Protocol),
			ProtocolVersion: rc.ProtocolVersion,
			Pid:             rc.Pid,
			Network:         rc.Addr.Network(),
			Address:         rc.Addr.String(),
		}
	}
	modes := slices.Sorted(maps.Keys(m))
	fmt.Fprintf(out, "Provider %s serves %s in debug mode. Point kubelogin at it with:\n\n\texport %s='%s'\n\nStop it with Ctrl-C.\n",
		info.Name, strings.Join(modes, ", "), protocol.ReattachEnv, m)
	<-closed
	return nil
}

// exitWhenOrphaned ends the provider once its parent is gone, since
// go-plugin itself never notices a host that died without killing it.
func exitWhenOrphaned(parent int, every time.Duration) {
	for range time.Tick(every) {
		if os.Getppid() != parent {
			logger.Warn("host process is gone; exiting")
			os.Exit(2)
		}
	}
}

// logLevel reads the host's level; without one a provider logs warnings,
// and in debug mode everything down to debug.
func logLevel(v string, debug bool) slog.Level {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "trace":
		return LevelTrace
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	if debug {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// newLogger writes hclog's JSON line format, which the host parses:
// "@level", "@message", "@timestamp", then the attributes.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				return slog.String("@level", levelName(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				a.Key = "@message"
			case slog.TimeKey:
				a.Key = "@timestamp"
			}
			return a
		},
	}))
}

func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}

// hclogLevel maps a slog level onto hclog's for go-plugin's own lines.
func hclogLevel(l slog.Level) hclog.Level {
	return hclog.LevelFromString(levelName(l))
}
