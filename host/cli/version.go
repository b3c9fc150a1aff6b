package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
)

func versionString() string {
	rev, built := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				built = s.Value
			}
		}
	}
	return fmt.Sprintf("kubelogin version %s\ngit hash: %s\nGo version: %s\nBuild time: %s\nPlatform: %s/%s",
		buildinfo.Version(), rev, runtime.Version(), built, runtime.GOOS, runtime.GOARCH)
}

// NewCmdVersion prints the same as --version; upstream has only the flag,
// users type both.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the kubelogin version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.IO.Out, versionString())
			return err
		},
	}
}
