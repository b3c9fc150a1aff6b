// Command kubelogin-provider-spn serves the "spn" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/spn"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(spn.New()); err != nil {
		log.Fatal(err)
	}
}
