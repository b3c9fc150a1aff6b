// Command kubelogin-provider-msi serves the "msi" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/msi"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(msi.New()); err != nil {
		log.Fatal(err)
	}
}
