package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/host/convert"
)

// NewRootCmd builds the kubelogin command tree.
func NewRootCmd(f *Factory) *cobra.Command {
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

	root.AddCommand(
		NewCmdGetToken(f, nil),
		convert.NewCmd(f.IO, nil),
		NewCmdRemoveTokens(f, nil),
		NewCmdStatus(f, nil),
		NewCmdProviders(f),
		NewCmdVersion(f),
	)
	return root
}

// Main runs kubelogin and returns its exit code. Errors are one line on
// stderr; stdout stays reserved for get-token's ExecCredential.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := NewSystemFactory()
	root := NewRootCmd(f)
	if err := root.ExecuteContext(ctx); err != nil {
		// A command that finished but must say something through its exit
		// status (convert-kubeconfig's skipped users) has already reported
		// on stderr.
		var status interface{ ExitCode() int }
		if errors.As(err, &status) {
			return status.ExitCode()
		}
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", err)
		return 1
	}
	return 0
}
