// Command kubelogin-provider-msi serves the "msi" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/msi"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(msi.New()) }
