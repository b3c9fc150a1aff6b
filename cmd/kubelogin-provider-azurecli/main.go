// Command kubelogin-provider-azurecli serves the "azurecli" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/azurecli"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(azurecli.New()); err != nil {
		log.Fatal(err)
	}
}
