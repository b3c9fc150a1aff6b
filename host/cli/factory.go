// Package cli defines kubelogin's commands in the shape of cli/cli: each has
// an options struct, a constructor NewCmdX(f, runF) that binds its flags,
// and a run function. Everything a command takes from the outside world
// comes through the Factory (streams, environment, clock, provider discovery
// and launch), so tests run the commands in-process: flag parsing through
// runF, the run functions with buffers, a temporary cache and a provider
// served in-process.
package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kubelogin-dev/kubelogin/host/iostreams"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/provider"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
	"github.com/kubelogin-dev/kubelogin/host/ui"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Factory carries what commands take from the outside world, so tests can
// replace it.
type Factory struct {
	IO iostreams.IOStreams
	// Getenv reads one variable; kubelogin's settings variables are read
	// only through options.ApplyEnv.
	Getenv func(string) (string, bool)
	// Environ is the whole environment, from which a provider's is made.
	Environ func() []string
	Now     func() time.Time
	// Search says where providers are looked for (and under which policy).
	Search func() provider.Search
	// Launcher starts the providers that Search finds.
	Launcher Launcher
	// OpenBrowser opens a URL a provider asks the user to visit; nil only
	// prints it.
	OpenBrowser func(url string) error
	// Keys is the OS key store that holds the token cache's data key.
	Keys    func() tokenstore.KeyBackend
	Verbose int

	logger hclog.Logger
}

// Launcher starts a provider binary and completes the plugin handshake. The
// system launcher runs the binary through go-plugin; tests serve a provider
// in-process behind the same interface.
type Launcher interface {
	Launch(c provider.Candidate, opts provider.Options) (Provider, error)
}

// Provider is a running provider as the commands use it.
type Provider interface {
	Describe(ctx context.Context) (sdk.Info, error)
	GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error)
	// Close stops the provider gracefully.
	Close()
	// Abort kills it at once, for timeouts and interrupts.
	Abort()
}

// processLauncher runs providers as child processes.
type processLauncher struct{}

func (processLauncher) Launch(c provider.Candidate, opts provider.Options) (Provider, error) {
	p, err := provider.Start(c, opts)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// NewSystemFactory wires the real process environment.
func NewSystemFactory() *Factory {
	f := &Factory{
		IO:       iostreams.System(),
		Getenv:   os.LookupEnv,
		Environ:  os.Environ,
		Now:      time.Now,
		Launcher: processLauncher{},
		Keys:     tokenstore.System,
	}
	f.Search = func() provider.Search { return provider.SystemSearch(f.env) }
	f.OpenBrowser = ui.Opener{Getenv: f.env}.Open
	return f
}

// Logger is hclog on stderr at the level chosen with -v: 0 warnings only,
// 1-4 info, 5-9 debug, 10 and more trace.
func (f *Factory) Logger() hclog.Logger {
	if f.logger != nil {
		return f.logger
	}
	level := hclog.Warn
	switch {
	case f.Verbose >= 10:
		level = hclog.Trace
	case f.Verbose >= 5:
		level = hclog.Debug
	case f.Verbose >= 1:
		level = hclog.Info
	}
	f.logger = hclog.New(&hclog.LoggerOptions{Name: "kubelogin", Level: level, Output: f.IO.ErrOut})
	return f.logger
}

// providerOptions are how every provider is started: with the host's
// environment rule applied to kubelogin's environment, and the message
// limit of KUBELOGIN_PROVIDER_MAX_MESSAGE_SIZE (a host variable, read
// here through Getenv so tests can set it; see options.HostVars).
func (f *Factory) providerOptions(startTimeout time.Duration) (provider.Options, error) {
	maxMsg, err := provider.ParseMaxMessageSize(f.env(provider.MaxMessageSizeEnv))
	if err != nil {
		return provider.Options{}, err
	}
	var env []string
	if f.Environ != nil {
		env = options.ProviderEnv(f.Environ())
	}
	return provider.Options{Logger: f.Logger(), StartTimeout: startTimeout, MaxMessageSize: maxMsg, Env: env}, nil
}

func (f *Factory) env(name string) string {
	if f.Getenv == nil {
		return ""
	}
	v, _ := f.Getenv(name)
	return v
}

func (f *Factory) warn(msg string) { fmt.Fprintln(f.IO.ErrOut, msg) }
