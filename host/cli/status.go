package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/acquire"
	"github.com/kubelogin-dev/kubelogin/host/cache"
	"github.com/kubelogin-dev/kubelogin/host/options"
)

// StatusOptions are `kubelogin status`'s settings.
type StatusOptions struct {
	f          *Factory
	CacheDir   string
	TokenStore string
}

// NewCmdStatus lists what the cache holds, so users can see which clusters
// and accounts are signed in without reading token files.
func NewCmdStatus(f *Factory, runF func(*StatusOptions) error) *cobra.Command {
	o := &StatusOptions{f: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List cached tokens: mode, tenant, client, server, account and expiry (never the token)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(o)
			}
			return RunStatus(o)
		},
	}
	cmd.Flags().StringVar(&o.CacheDir, "cache-dir", "", "token cache directory (default $KUBECACHEDIR, else ~/.kube/cache/kubelogin)")
	cmd.Flags().StringVar(&o.CacheDir, "token-cache-dir", "", "alias of --cache-dir")
	_ = cmd.Flags().MarkHidden("token-cache-dir")
	options.TokenStoreFlag(cmd.Flags(), &o.TokenStore)
	return cmd
}

// RunStatus prints how tokens are kept at rest and why, then one row per
// cache entry.
func RunStatus(o *StatusOptions) error {
	f := o.f
	t, found := resolveCacheSettings(f, o.CacheDir, o.TokenStore)
	dir, err := cache.ResolveDir(t.CacheDir, found.CacheDirSource, f.env, found.Home)
	if err != nil {
		return err
	}
	st, err := openStore(f, dir, t, found)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "token store: %s\n", st.Describe())
	if !st.Stores() {
		return nil
	}
	// Looking must not create: cache.Open makes the directory.
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(f.IO.ErrOut, "no cached tokens in %s (it does not exist)\n", dir)
		return nil
	}
	if st.Encrypted && !st.HasKey(dir) {
		fmt.Fprintf(f.IO.ErrOut, "token store: %s holds no key for %s yet; the next sign-in creates one\n", st.Backend, dir)
	}
	c := cache.Open(dir, func(msg string) { f.warn("Warning: " + msg) }, st.CacheOptions()...)
	if !c.Enabled() {
		return fmt.Errorf("cannot read the token cache in %s", dir)
	}
	entries, err := c.List()
	if err != nil {
		return fmt.Errorf("listing the token cache in %s: %w", dir, err)
	}
	if len(entries) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no cached tokens in %s\n", dir)
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ExpiresAt.Before(entries[j].ExpiresAt) })
	now := f.Now()
	w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MODE\tTENANT\tCLIENT\tSERVER\tACCOUNT\tTOKEN\tEXPIRES\tKEY")
	for _, e := range entries {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			dash(e.LoginMode), dash(e.TenantID), dash(e.ClientID), dash(e.ServerID), dash(e.Account),
			kind(e), expiry(&e, now), shortID(e.ID))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "%d cached tokens in %s\n", len(entries), dir)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func kind(e cache.Entry) string {
	var parts []string
	if e.PoP {
		parts = append(parts, "pop")
	} else {
		parts = append(parts, "bearer")
	}
	if e.Legacy {
		parts = append(parts, "legacy")
	}
	if len(e.State) > 0 {
		parts = append(parts, "refreshable")
	}
	return strings.Join(parts, ",")
}

func expiry(e *cache.Entry, now time.Time) string {
	until := e.ServeUntil(acquire.DefaultMargin)
	switch {
	case e.ExpiresAt.IsZero():
		return "unknown"
	case now.Before(until):
		return "in " + human(until.Sub(now))
	case now.Before(e.ExpiresAt):
		return "renews on next use"
	default:
		return "expired " + human(now.Sub(e.ExpiresAt)) + " ago"
	}
}

// human shows a duration to the minute: "3h5m", "41m", "<1m".
func human(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
