// Command kubelogin-provider-interactive serves the "interactive" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/interactive"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(interactive.New()); err != nil {
		log.Fatal(err)
	}
}
