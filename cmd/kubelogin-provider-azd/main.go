// Command kubelogin-provider-azd serves the "azd" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/azd"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(azd.New()); err != nil {
		log.Fatal(err)
	}
}
