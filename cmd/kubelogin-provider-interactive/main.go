// Command kubelogin-provider-interactive serves the "interactive" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/interactive"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(interactive.New()) }
