// Command kubelogin-provider-azurepipelines serves the "azurepipelines" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/azurepipelines"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(azurepipelines.New()) }
