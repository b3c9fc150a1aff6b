package sdk

import (
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// LogLevelEnv is how the host passes its verbosity to providers.
const LogLevelEnv = "KUBELOGIN_PROVIDER_LOG_LEVEL"

var logger hclog.Logger = hclog.NewNullLogger()

// Logger returns the provider's logger. It writes hclog JSON to the real
// stderr, which the host filters by level; nothing reaches stdout. Never log
// secrets or tokens with it.
func Logger() hclog.Logger { return logger }

// Serve runs p as a provider until the host disconnects or dies. Call it from
// main; it does not return normally. Do no slow work before calling it: the
// host bounds the start-up handshake.
func Serve(p Provider) {
	level := hclog.LevelFromString(os.Getenv(LogLevelEnv))
	if level == hclog.NoLevel {
		level = hclog.Warn
	}
	logger = hclog.New(&hclog.LoggerOptions{
		Name:       p.Describe().Name,
		Level:      level,
		Output:     os.Stderr,
		JSONFormat: true,
	})
	go exitWhenOrphaned(os.Getppid(), 500*time.Millisecond)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: PluginSets(p),
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger:           logger,
	})
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
