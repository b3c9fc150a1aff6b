// Package cli defines kubelogin's commands. Each command has an options
// struct, a constructor that binds its flags, and a run function that tests
// call without a process.
package cli

import (
	"os"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/kubelogin-dev/kubelogin/host/iostreams"
	"github.com/kubelogin-dev/kubelogin/host/provider"
)

// Factory carries what commands take from the outside world, so tests can
// replace it.
type Factory struct {
	IO       iostreams.IOStreams
	Getenv   func(string) (string, bool)
	HomeDir  func() (string, error)
	Search   func() provider.Search
	Now      func() time.Time
	Verbose  int
	logger   hclog.Logger
	Executed string
}

// NewSystemFactory wires the real process environment.
func NewSystemFactory() *Factory {
	return &Factory{
		IO:      iostreams.System(),
		Getenv:  os.LookupEnv,
		HomeDir: os.UserHomeDir,
		Search:  provider.SystemSearch,
		Now:     time.Now,
	}
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

func (f *Factory) env(name string) string {
	v, _ := f.Getenv(name)
	return v
}
