package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/acquire"
	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/execcred"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/plan"
	"github.com/kubelogin-dev/kubelogin/host/pop"
	"github.com/kubelogin-dev/kubelogin/host/provider"
	"github.com/kubelogin-dev/kubelogin/host/specmemo"
	"github.com/kubelogin-dev/kubelogin/host/ui"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// GetTokenOptions are get-token's settings.
type GetTokenOptions struct {
	f     *Factory
	Token options.Token
}

// NewCmdGetToken is the command kubectl runs for every call that needs a token.
func NewCmdGetToken(f *Factory, runF func(context.Context, *GetTokenOptions) error) *cobra.Command {
	o := &GetTokenOptions{f: f}
	cmd := &cobra.Command{
		Use:   "get-token",
		Short: "Print an ExecCredential with an Entra ID token for kubectl",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunGetToken(cmd.Context(), o)
		},
	}
	o.Token.AddFlags(cmd.Flags())
	o.Token.AddNoCacheFlag(cmd.Flags())
	o.Token.AddTokenStoreFlag(cmd.Flags())
	o.Token.AddProviderArgFlag(cmd.Flags())
	return cmd
}

// RunGetToken resolves the settings, gets a token (from the cache when it
// can) and prints exactly one ExecCredential on stdout.
func RunGetToken(ctx context.Context, o *GetTokenOptions) error {
	f := o.f
	info, err := execcred.Parse(f.env("KUBERNETES_EXEC_INFO"))
	if err != nil {
		return err
	}
	t := &o.Token
	found := t.ApplyEnv(options.GetToken, f.Getenv)
	if err := t.Validate(); err != nil {
		return err
	}
	c, sealer, err := openCache(f, t, found)
	if err != nil {
		return err
	}

	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()

	// The mode's spec comes from the table or, for a third-party mode, from
	// what its provider declared; only a provider never described before
	// (or changed since) is started here, and then serves the call too.
	mode, described, err := f.modeOf(ctx, t.LoginMode, specmemo.Open(cacheDir(c)))
	if err != nil {
		return err
	}
	var prov Provider = described
	defer func() {
		if prov != nil {
			if ctx.Err() != nil {
				prov.Abort()
			} else {
				prov.Close()
			}
		}
	}()
	if err := t.ApplyArgEnv(t.LoginMode, mode.Spec.Args, f.Getenv); err != nil {
		return err
	}
	p, err := plan.New(t, mode, plan.Env{Getenv: f.providerGetenv, Home: found.Home})
	if err != nil {
		return err
	}
	facts := plan.Facts{FingerprintDigest: plan.Digest(p.Fingerprint, os.ReadFile)}
	var popKey *pop.Key
	if p.PoPClaims != nil {
		if popKey, err = loadPoPKey(f, c, sealer); err != nil {
			return err
		}
		facts.PoP = &plan.PoPBinding{ReqCnf: popKey.ReqCnf(), Thumbprint: popKey.Thumbprint()}
	}
	req, key := p.Bind(facts)
	log := f.Logger()
	log.Debug("resolved settings", "mode", req.LoginMode, "authority", req.AuthorityHost, "tenant", req.TenantID, "client", req.ClientID,
		"scopes", req.Scopes, "resource", req.Resource, "legacy", req.Legacy, "timeout", req.Timeout, "credentials", req.Credentials)

	pipe := &acquire.Pipeline{
		Cache: c,
		Source: func() (acquire.TokenSource, error) {
			if prov == nil {
				var err error
				if prov, _, err = startProvider(ctx, f, req.LoginMode); err != nil {
					return nil, err
				}
			}
			return checkedSource{prov, p}, nil
		},
		UI:     &ui.Terminal{Out: f.IO.ErrOut, Verbose: f.Verbose > 0, OpenBrowser: f.OpenBrowser},
		Logger: log,
		Warn:   f.warn,
		Now:    f.Now,
		Margin: acquire.DefaultMargin,
	}
	res, err := pipe.Acquire(ctx, acquire.Request{Provider: req, Key: key, Audience: p.Audience})
	if err != nil {
		if parent.Err() != nil {
			return errors.New("interrupted before a token was obtained")
		}
		if sdk.CodeOf(err) == sdk.CodeCancelled {
			return fmt.Errorf("no token within --timeout %s: raise --timeout if signing in takes longer", t.Timeout)
		}
		return err
	}
	token := res.AccessToken
	if popKey != nil {
		// Signed afresh on every call, cache hits included: the cache keeps
		// the raw access token, never a PoP token.
		if token, err = popKey.Sign(res.AccessToken, p.PoPClaims, f.Now()); err != nil {
			return err
		}
	}
	return execcred.Write(f.IO.Out, info, token, res.ServeUntil)
}

// openCache opens the token cache unless --no-cache or --token-store=none,
// with the token store's encryption, and returns the sealer for the PoP key
// (nil: plaintext). A directory that cannot be resolved means no cache, with
// a warning, never a failure; the only errors are a bad --token-store and
// encryption that is required but unavailable.
func openCache(f *Factory, t *options.Token, found options.Resolved) (*cache.Cache, pop.Sealer, error) {
	if t.NoCache {
		return nil, nil, nil
	}
	dir, err := cache.ResolveDir(t.CacheDir, found.CacheDirSource, f.env, found.Home)
	if err != nil {
		f.warn(fmt.Sprintf("Warning: %v; continuing without a token cache", err))
		return nil, nil, nil
	}
	st, err := openStore(f, dir, t, found)
	if err != nil || !st.Stores() {
		return nil, nil, err
	}
	f.Logger().Debug("token store", "store", st.Describe())
	c := cache.Open(dir, func(msg string) { f.warn("Warning: " + msg) }, st.CacheOptions()...)
	if s := st.Sealer(); s != nil {
		return c, s, nil
	}
	return c, nil, nil
}

// loadPoPKey is the host's PoP key, kept with the cache (encrypted with s
// unless nil); without a usable cache it lasts for this run only.
func loadPoPKey(f *Factory, c *cache.Cache, s pop.Sealer) (*pop.Key, error) {
	if c == nil || !c.Enabled() {
		return pop.NewKey()
	}
	k, err := pop.LoadOrCreateKey(c.Dir(), s)
	if k != nil && err != nil {
		f.warn("Warning: " + err.Error())
		err = nil
	}
	return k, err
}

// checkedSource holds a provider's tokens to what the plan requires of
// them before the cache stores them.
type checkedSource struct {
	Provider
	plan *plan.Plan
}

func (s checkedSource) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	tok, err := s.Provider.GetToken(ctx, req, ui)
	if err != nil {
		return nil, err
	}
	if err := s.plan.Check(tok); err != nil {
		return nil, err
	}
	return tok, nil
}

// cacheDir is the cache's directory, "" without a usable cache.
func cacheDir(c *cache.Cache) string {
	if c == nil || !c.Enabled() {
		return ""
	}
	return c.Dir()
}

// startProvider finds and starts the provider for mode and checks it
// really serves that mode; it returns what the provider declared.
func startProvider(ctx context.Context, f *Factory, mode string) (Provider, sdk.Info, error) {
	cand, err := f.Search().Find(mode)
	if err != nil {
		return nil, sdk.Info{}, err
	}
	return launch(ctx, f, cand, mode)
}

// launch starts the provider cand and checks it serves mode.
func launch(ctx context.Context, f *Factory, cand provider.Candidate, mode string) (Provider, sdk.Info, error) {
	startTimeout := provider.DefaultStartTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < startTimeout {
		startTimeout = max(time.Until(dl), time.Millisecond)
	}
	opts, err := f.providerOptions(startTimeout)
	if err != nil {
		return nil, sdk.Info{}, err
	}
	prov, err := f.Launcher.Launch(cand, opts)
	if err != nil {
		return nil, sdk.Info{}, err
	}
	info, err := prov.Describe(ctx)
	if err != nil {
		prov.Abort()
		return nil, sdk.Info{}, err
	}
	if !slices.Contains(info.LoginModes, mode) {
		prov.Close()
		return nil, sdk.Info{}, fmt.Errorf("provider %s (%s) serves %s, not %s: reinstall it", cand.Mode, cand.Path, strings.Join(info.LoginModes, ", "), mode)
	}
	f.Logger().Debug("provider started", "mode", mode, "path", cand.Path, "name", info.Name, "version", info.Version)
	return prov, info, nil
}
