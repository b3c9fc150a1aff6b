package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubelogin-dev/kubelogin/host/modes"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/specmemo"
)

// modeOf returns the row of a first-party mode from the table, starting
// nothing. For a third-party mode it returns a row with the spec its
// provider declared: as remembered in memo while the provider binary is
// unchanged, else asked from the provider, which is then returned running
// (started) so the caller can use it or must close it.
func (f *Factory) modeOf(ctx context.Context, name string, memo *specmemo.Memo) (mode modes.Mode, started Provider, err error) {
	if m, ok := modes.Lookup(name); ok {
		return m, nil, nil
	}
	cand, err := f.Search().Find(name)
	if err != nil {
		return modes.Mode{}, nil, err
	}
	bin, statErr := specmemo.Stat(cand.Path)
	if statErr == nil {
		if spec, ok := memo.Lookup(bin, name); ok {
			return modes.Mode{Spec: spec}, nil, nil
		}
	}
	prov, info, err := launch(ctx, f, cand, name)
	if err != nil {
		return modes.Mode{}, nil, err
	}
	spec, ok := info.Mode(name)
	if !ok {
		prov.Close()
		return modes.Mode{}, nil, fmt.Errorf("provider %s (%s) declares no spec for login mode %s: rebuild it with the current kubelogin sdk", cand.Mode, cand.Path, name)
	}
	if err := spec.Validate(); err != nil {
		prov.Close()
		return modes.Mode{}, nil, fmt.Errorf("provider %s (%s) declares a malformed spec: %s: fix the provider", cand.Mode, cand.Path, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if statErr == nil {
		if err := memo.Remember(bin, info.Modes); err != nil {
			f.Logger().Debug("provider spec not remembered", "path", cand.Path, "error", err)
		}
	}
	return modes.Mode{Spec: spec}, prov, nil
}

// providerGetenv reads the environment as a provider receives it: the
// host's, minus kubelogin's settings variables (options.ProviderEnv).
func (f *Factory) providerGetenv(name string) (string, bool) {
	if options.Removed(name) || f.Getenv == nil {
		return "", false
	}
	return f.Getenv(name)
}

// describedMode is modeOf for convert-kubeconfig: the spec remembered in
// the cache directory get-token would use with settings t, else asked from
// the provider, which is stopped again.
func (f *Factory) describedMode(t options.Token, name string) (modes.Mode, error) {
	found := t.ApplyEnv(options.GetToken, f.Getenv)
	ctx, cancel := context.WithTimeout(context.Background(), options.DefaultTimeout)
	defer cancel()
	c, _, _ := openCache(f, &t, found) // without a usable cache, nothing is remembered
	m, started, err := f.modeOf(ctx, name, specmemo.Open(cacheDir(c)))
	if started != nil {
		started.Close()
	}
	return m, err
}
