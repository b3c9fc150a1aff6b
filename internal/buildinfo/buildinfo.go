// Package buildinfo gives the host and every provider the same version
// string, whether built by `make` (ldflags) or by `go install …@version`.
package buildinfo

import "runtime/debug"

// version is set with -ldflags "-X github.com/kubelogin-dev/kubelogin/internal/buildinfo.version=v1.2.3".
var version = ""

// Version is this build's version: the linker's value, else the module
// version `go install` records, else "0.0.0-dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.0.0-dev"
}
