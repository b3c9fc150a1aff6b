package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/policy"
	"github.com/kubelogin-dev/kubelogin/host/provider"
)

// NewCmdProviders groups the commands about installed providers.
func NewCmdProviders(f *Factory, listF func(context.Context, *ProvidersListOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Inspect the installed login-mode providers",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdProvidersList(f, listF), NewCmdProvidersHash(f))
	return cmd
}

// NewCmdProvidersHash prints policy entries for provider binaries, so an
// administrator can approve exactly the files they ship.
func NewCmdProvidersHash(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "hash PROVIDER_BINARY...",
		Short: "Print provider policy entries (mode, absolute path, sha256) for " + policy.AdminFile,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			var b strings.Builder
			b.WriteString("providers:\n")
			for _, a := range args {
				path, err := filepath.Abs(a)
				if err != nil {
					return err
				}
				mode, ok := strings.CutPrefix(strings.TrimSuffix(filepath.Base(path), ".exe"), provider.BinaryPrefix)
				if !ok || mode == "" {
					return fmt.Errorf("%s is not named %s<mode>", a, provider.BinaryPrefix)
				}
				file, err := os.Open(path)
				if err != nil {
					return fmt.Errorf("reading %s: %w", a, err)
				}
				sum, err := policy.Sum(file)
				file.Close()
				if err != nil {
					return fmt.Errorf("hashing %s: %w", a, err)
				}
				b.WriteString(policy.Entry(mode, path, sum))
			}
			_, err := fmt.Fprint(f.IO.Out, b.String())
			return err
		},
	}
}

// ProvidersListOptions are `providers list`'s settings.
type ProvidersListOptions struct {
	f       *Factory
	Timeout time.Duration
}

// NewCmdProvidersList shows every provider found, where, and what it serves.
func NewCmdProvidersList(f *Factory, runF func(context.Context, *ProvidersListOptions) error) *cobra.Command {
	o := &ProvidersListOptions{f: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List providers in search order: kubelogin's directory, $KUBELOGIN_PROVIDER_PATH, $PATH",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return RunProvidersList(cmd.Context(), o)
		},
	}
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 10*time.Second, "limit for asking each provider to describe itself")
	return cmd
}

// RunProvidersList starts each provider just long enough to ask who it is.
func RunProvidersList(ctx context.Context, o *ProvidersListOptions) error {
	f := o.f
	search := f.Search()
	if search.PolicyErr != nil {
		return search.PolicyErr
	}
	if search.Policy.RestrictsProviders() {
		fmt.Fprintf(f.IO.ErrOut, "Provider policy %s is in force: only these providers run, each checked against its sha256.\n", search.Policy.File)
	}
	found := search.All()
	if len(found) == 0 {
		return fmt.Errorf("no providers found: install kubelogin-provider-<mode> binaries next to kubelogin or in $%s", provider.PathEnv)
	}
	w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tMODES\tPATH\tFOUND IN")
	for _, c := range found {
		name, version, modes := describe(ctx, f, c, o.Timeout)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, version, modes, c.Path, c.Source)
	}
	return w.Flush()
}

func describe(ctx context.Context, f *Factory, c provider.Candidate, timeout time.Duration) (name, version, modes string) {
	opts, err := f.providerOptions(timeout)
	if err != nil {
		return c.Mode, "-", "error: " + err.Error()
	}
	proc, err := f.Launcher.Launch(c, opts)
	if err != nil {
		return c.Mode, "-", "error: " + err.Error()
	}
	defer proc.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	info, err := proc.Describe(ctx)
	if err != nil {
		return c.Mode, "-", "error: " + err.Error()
	}
	return info.Name, info.Version, strings.Join(info.LoginModes, ",")
}
