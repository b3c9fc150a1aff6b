// Command kubelogin-provider-spn serves the "spn" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/spn"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(spn.New()) }
