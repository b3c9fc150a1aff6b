package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/acquire"
	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/execcred"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/pop"
	"github.com/kubelogin-dev/kubelogin/host/provider"
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
	o.Token.AddProviderArgFlag(cmd.Flags())
	return cmd
}

// RunGetToken resolves the settings, gets a token (from the cache when it
// can) and prints exactly one ExecCredential on stdout.
func RunGetToken(ctx context.Context, o *GetTokenOptions) error {
	f := o.f
	log := f.Logger()
	info, err := execcred.Parse(f.env("KUBERNETES_EXEC_INFO"))
	if err != nil {
		return err
	}
	t := &o.Token
	t.ApplyEnv(f.Getenv)
	if err := t.Validate(); err != nil {
		return err
	}
	if t.ServerID == "" {
		return errors.New("--server-id is required: give the cluster's server application id (AKS-managed Entra ID: 6dae42f8-4368-4678-94ff-3960e28e3630)")
	}
	authority, _ := t.ResolvedAuthorityHost()
	req, key, audience := buildRequest(t, authority, info)
	if d := cliProfileDigest(f, t.LoginMode); d != "" {
		key.Extra = keyExtra(t, d)
	}
	log.Debug("resolved settings", "mode", t.LoginMode, "authority", authority, "tenant", t.TenantID, "client", t.ClientID,
		"server", t.ServerID, "legacy", t.Legacy, "timeout", t.Timeout, "credentials", req.Credentials)

	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()

	var c *cache.Cache
	if !t.NoCache {
		home, _ := f.HomeDir()
		dir, err := cache.ResolveDir(t.CacheDir, f.env, home)
		if err != nil {
			warn(f, fmt.Sprintf("Warning: %v; continuing without a token cache", err))
		} else {
			c = cache.Open(dir, func(msg string) { warn(f, "Warning: "+msg) })
		}
	}
	var popw *popWrapper
	if t.PoPEnabled {
		if popw, err = preparePoP(f, t, c, req, &key); err != nil {
			return err
		}
	}

	var proc *provider.Process
	defer func() {
		if proc != nil {
			if ctx.Err() != nil {
				proc.Abort()
			} else {
				proc.Close()
			}
		}
	}()
	p := &acquire.Pipeline{
		Cache: c,
		Source: func() (acquire.TokenSource, error) {
			var err error
			proc, err = startProvider(ctx, f, t.LoginMode, sdk.Capabilities{PoP: t.PoPEnabled, Legacy: t.Legacy})
			return proc, err
		},
		UI:     &ui.Terminal{Out: f.IO.ErrOut, Verbose: f.Verbose > 0, OpenBrowser: ui.SystemBrowser},
		Logger: log,
		Warn:   func(msg string) { warn(f, msg) },
		Now:    f.Now,
		Margin: acquire.DefaultMargin,
	}
	res, err := p.Acquire(ctx, acquire.Request{Provider: req, Key: key, Audience: audience})
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
	if popw != nil {
		// Signed afresh on every call, cache hits included: the cache keeps
		// the raw access token, never a PoP token.
		if token, err = popw.key.Sign(res.AccessToken, popw.claims, f.Now()); err != nil {
			return err
		}
	}
	return execcred.Write(f.IO.Out, info, token, res.ServeUntil)
}

// popWrapper is what get-token needs to turn the PoP-bound access token into
// the PoP token kubectl presents.
type popWrapper struct {
	key    *pop.Key
	claims map[string]string
}

// preparePoP loads the host's PoP key, asks the provider for a token bound to
// it (req_cnf), and adds the key and claims to the cache key, so bearer and
// PoP tokens, or tokens bound to an old key, are never mixed up. The key is
// stored with the cache; without a usable cache it lasts for this run only.
func preparePoP(f *Factory, t *options.Token, c *cache.Cache, req *sdk.Request, key *cache.Key) (*popWrapper, error) {
	claims, err := options.ParsePoPClaims(t.PoPClaims)
	if err != nil {
		return nil, err
	}
	var k *pop.Key
	if c != nil && c.Enabled() {
		k, err = pop.LoadOrCreateKey(c.Dir())
		if k != nil && err != nil {
			warn(f, "Warning: "+err.Error())
			err = nil
		}
	} else {
		k, err = pop.NewKey()
	}
	if err != nil {
		return nil, err
	}
	req.PoP = &sdk.PoPRequest{ReqCnf: k.ReqCnf()}
	key.PoPKeyID = k.Thumbprint()
	key.PoPClaims = canonicalClaims(claims)
	return &popWrapper{key: k, claims: claims}, nil
}

// canonicalClaims is claims as sorted "k=v,k2=v2", so the order the user
// wrote them in does not split the cache.
func canonicalClaims(claims map[string]string) string {
	pairs := make([]string, 0, len(claims))
	for _, k := range slices.Sorted(maps.Keys(claims)) {
		pairs = append(pairs, k+"="+claims[k])
	}
	return strings.Join(pairs, ",")
}

func warn(f *Factory, msg string) { fmt.Fprintln(f.IO.ErrOut, msg) }

// buildRequest turns the settings into the provider request, the cache key
// and the audience the token must have. The host alone decides the
// scope-versus-resource question: v2 scope "<server-id>/.default" whose
// tokens carry the bare server id, or with --legacy a v1 resource whose
// tokens carry "spn:<server-id>".
func buildRequest(t *options.Token, authority string, info execcred.Info) (*sdk.Request, cache.Key, string) {
	server := strings.TrimSuffix(t.ServerID, "/")
	scope := server
	if !strings.HasSuffix(scope, "/.default") {
		scope += "/.default"
	}
	audience := strings.TrimSuffix(server, "/.default")
	if t.Legacy {
		audience = "spn:" + audience
	}
	account := t.LoginHint
	switch t.LoginMode {
	case options.ROPC:
		account = t.Username
	case options.MSI:
		account = t.IdentityResourceID
	}
	req := &sdk.Request{
		LoginMode:                t.LoginMode,
		TenantID:                 t.TenantID,
		ClientID:                 t.ClientID,
		ServerID:                 t.ServerID,
		Scopes:                   []string{scope},
		Legacy:                   t.Legacy,
		Resource:                 server,
		AuthorityHost:            authority,
		Environment:              t.Environment,
		DisableInstanceDiscovery: t.DisableInstanceDiscovery,
		Credentials: sdk.Credentials{
			ClientSecret:              t.ClientSecret,
			ClientCertificatePath:     t.ClientCertificate,
			ClientCertificatePassword: t.ClientCertificatePassword,
			Username:                  t.Username,
			Password:                  t.Password,
			FederatedTokenFile:        t.FederatedTokenFile,
			IdentityResourceID:        t.IdentityResourceID,
		},
		LoginHint:   t.LoginHint,
		RedirectURL: t.RedirectURL,
		Timeout:     t.Timeout,
		UserPresent: true,
	}
	if t.Subscription != "" || t.PipelinesConnectionID != "" || len(t.ProviderArgs) > 0 {
		req.Extra = maps.Clone(t.ProviderArgs)
		if req.Extra == nil {
			req.Extra = map[string]string{}
		}
		if t.Subscription != "" {
			req.Extra["subscription"] = t.Subscription
		}
		if t.PipelinesConnectionID != "" {
			req.Extra["service_connection_id"] = t.PipelinesConnectionID
		}
	}
	key := cache.Key{
		LoginMode:     t.LoginMode,
		AuthorityHost: authority,
		TenantID:      t.TenantID,
		ClientID:      t.ClientID,
		ServerID:      server,
		Legacy:        t.Legacy,
		Account:       account,
		Extra:         keyExtra(t, ""),
	}
	return req, key, audience
}

// keyExtra encodes the mode-specific settings that change which token is
// right; JSON keeps the encoding unambiguous and sorts the map.
func keyExtra(t *options.Token, cliProfile string) string {
	b, _ := json.Marshal(struct {
		FederatedTokenFile string            `json:"f,omitempty"`
		Subscription       string            `json:"s,omitempty"`
		ProviderArgs       map[string]string `json:"p,omitempty"`
		CLIProfile         string            `json:"cli,omitempty"`
	}{t.FederatedTokenFile, t.Subscription, t.ProviderArgs, cliProfile})
	return string(b)
}

// startProvider finds and starts the provider for mode and checks it
// really serves that mode, with the capabilities the request needs.
func startProvider(ctx context.Context, f *Factory, mode string, need sdk.Capabilities) (*provider.Process, error) {
	cand, err := f.Search().Find(mode)
	if err != nil {
		return nil, err
	}
	startTimeout := provider.DefaultStartTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < startTimeout {
		startTimeout = max(time.Until(dl), time.Millisecond)
	}
	proc, err := provider.Start(cand, provider.Options{Logger: f.Logger(), StartTimeout: startTimeout})
	if err != nil {
		return nil, err
	}
	info, err := proc.Describe(ctx)
	if err != nil {
		proc.Abort()
		return nil, err
	}
	if !slices.Contains(info.LoginModes, mode) {
		proc.Close()
		return nil, fmt.Errorf("provider %s (%s) serves %s, not %s: reinstall it", cand.Mode, cand.Path, strings.Join(info.LoginModes, ", "), mode)
	}
	if need.PoP && !info.Capabilities.PoP {
		proc.Close()
		return nil, fmt.Errorf("login mode %s does not support --pop-enabled: drop --pop-enabled and --pop-claims, or use a mode that supports PoP such as spn", mode)
	}
	if need.Legacy && !info.Capabilities.Legacy {
		proc.Close()
		return nil, fmt.Errorf("login mode %s does not support --legacy: remove it (only legacy Azure AD clusters need it), or use devicecode or spn", mode)
	}
	f.Logger().Debug("provider started", "mode", mode, "path", cand.Path, "name", info.Name, "version", info.Version)
	return proc, nil
}
