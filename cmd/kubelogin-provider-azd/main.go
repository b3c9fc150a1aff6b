// Command kubelogin-provider-azd serves the "azd" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/azd"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(azd.New()) }
