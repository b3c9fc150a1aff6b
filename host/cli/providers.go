package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/provider"
)

// NewCmdProviders groups the commands about installed providers.
func NewCmdProviders(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Inspect the installed login-mode providers",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdProvidersList(f, nil))
	return cmd
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
	found := f.Search().All()
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
	proc, err := provider.Start(c, provider.Options{Logger: f.Logger(), StartTimeout: timeout})
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
