package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/options"
	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
)

// RemoveOptions are the settings of remove-tokens (alias remove-cache-dir).
type RemoveOptions struct {
	f          *Factory
	CacheDir   string
	TokenStore string
}

// NewCmdRemoveTokens builds remove-tokens (the AKS docs' name), with
// upstream's current name remove-cache-dir as an alias.
func NewCmdRemoveTokens(f *Factory, runF func(*RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{f: f}
	cmd := &cobra.Command{
		Use:     "remove-tokens",
		Aliases: []string{"remove-cache-dir"},
		Short:   "Remove the tokens and sign-in state kubelogin cached",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(o)
			}
			return RunRemoveTokens(o)
		},
	}
	cmd.Flags().StringVar(&o.CacheDir, "cache-dir", "", "token cache directory (default $KUBECACHEDIR, else ~/.kube/cache/kubelogin)")
	cmd.Flags().StringVar(&o.CacheDir, "token-cache-dir", "", "alias of --cache-dir")
	_ = cmd.Flags().MarkHidden("token-cache-dir")
	options.TokenStoreFlag(cmd.Flags(), &o.TokenStore)
	return cmd
}

// RunRemoveTokens removes what kubelogin stored, the data key in the OS key
// store included, and says what it removed.
func RunRemoveTokens(o *RemoveOptions) error {
	f := o.f
	t, found := resolveCacheSettings(f, o.CacheDir, o.TokenStore)
	dir, err := cache.ResolveDir(t.CacheDir, found.CacheDirSource, f.env, found.Home)
	if err != nil {
		return err
	}
	choice, err := tokenstore.Choose(t.TokenStore, found.TokenStoreSource)
	if err != nil {
		return err
	}
	removed, kept, err := cache.RemoveAll(dir)
	key, kerr := tokenstore.RemoveKey(dir, choice, f.keys())
	if key != "" {
		removed = append(removed, key)
	}
	err = errors.Join(err, kerr)
	for _, r := range removed {
		fmt.Fprintf(f.IO.ErrOut, "removed %s\n", r)
	}
	for _, k := range kept {
		fmt.Fprintf(f.IO.ErrOut, "kept %s: kubelogin did not create it\n", k)
	}
	if err != nil {
		return fmt.Errorf("removing cached tokens in %s: %w", dir, err)
	}
	if len(removed) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "nothing to remove in %s\n", dir)
	}
	return nil
}

// resolveCacheSettings finds the cache of remove-tokens and status as
// get-token does, through the one settings resolver: --cache-dir, else
// KUBECACHEDIR, else under the home directory; --token-store, else
// KUBELOGIN_TOKEN_STORE. These commands have no
// --disable-environment-override: they look at what is there.
func resolveCacheSettings(f *Factory, cacheDir, tokenStore string) (*options.Token, options.Resolved) {
	t := &options.Token{CacheDir: cacheDir, TokenStore: tokenStore}
	return t, t.ApplyEnv(options.GetToken, f.Getenv)
}
