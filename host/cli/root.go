package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/convert"
	"github.com/kubelogin-dev/kubelogin/host/interrupt"
	"github.com/kubelogin-dev/kubelogin/host/ui"
)

// NewRootCmd builds the kubelogin command tree.
func NewRootCmd(f *Factory) *cobra.Command { return newRootCmd(f, runners{}) }

// runners replace the commands' run functions, so tests check which flags
// reach which options through the real command tree; nil runs the real one.
type runners struct {
	getToken      func(context.Context, *GetTokenOptions) error
	convert       func(*convert.Options) error
	remove        func(*RemoveOptions) error
	status        func(*StatusOptions) error
	providersList func(context.Context, *ProvidersListOptions) error
}

func newRootCmd(f *Factory, r runners) *cobra.Command {
	root := &cobra.Command{
		Use:           "kubelogin",
		Short:         "kubectl credential plugin for Microsoft Entra ID",
		Long:          "kubelogin gets Microsoft Entra ID tokens for kubectl. Run `kubelogin convert-kubeconfig -l MODE` once, then use kubectl as usual.",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.PersistentFlags().IntVarP(&f.Verbose, "v", "v", 0, "log verbosity: 1 info, 5 debug, 10 trace (secrets are never logged)")
	root.PersistentFlags().Bool("logtostderr", true, "accepted for compatibility; logs always go to stderr")
	_ = root.PersistentFlags().MarkHidden("logtostderr")

	convertF := r.convert
	if convertF == nil {
		convertF = convert.Run
	}
	root.AddCommand(
		NewCmdGetToken(f, r.getToken),
		convert.NewCmd(f.IO, func(o *convert.Options) error {
			// The factory's environment, like every other command's.
			o.Getenv = f.Getenv
			return convertF(o)
		}),
		NewCmdRemoveTokens(f, r.remove),
		NewCmdStatus(f, r.status),
		NewCmdProviders(f, r.providersList),
		NewCmdVersion(f),
	)
	return root
}

// Main runs kubelogin and returns its exit code. Errors are one line on
// stderr; stdout stays reserved for get-token's ExecCredential.
func Main() int {
	ctx, stop := interrupt.NotifyContext(context.Background())
	defer stop()
	f := NewSystemFactory()
	return execute(ctx, f, NewRootCmd(f), os.Args[1:])
}

// execute runs root with args: an error is one line on stderr and exit
// status 1.
func execute(ctx context.Context, f *Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		// A command that finished but must say something through its exit
		// status (convert-kubeconfig's skipped users) has already reported
		// on stderr.
		var status interface{ ExitCode() int }
		if errors.As(err, &status) {
			return status.ExitCode()
		}
		// Errors can carry provider and Entra text: no control characters.
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", ui.Clean(err.Error()))
		return 1
	}
	return 0
}
