// Command kubelogin-provider-azurepipelines serves the "azurepipelines" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/azurepipelines"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(azurepipelines.New()); err != nil {
		log.Fatal(err)
	}
}
