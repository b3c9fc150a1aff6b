// Command kubelogin-provider-devicecode serves the "devicecode" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/devicecode"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(devicecode.New()); err != nil {
		log.Fatal(err)
	}
}
