// Command kubelogin-provider-ropc serves the "ropc" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/ropc"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(ropc.New()) }
