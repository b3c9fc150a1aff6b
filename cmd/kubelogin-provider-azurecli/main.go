// Command kubelogin-provider-azurecli serves the "azurecli" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/azurecli"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(azurecli.New()) }
