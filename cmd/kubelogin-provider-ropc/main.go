// Command kubelogin-provider-ropc serves the "ropc" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/ropc"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(ropc.New()); err != nil {
		log.Fatal(err)
	}
}
