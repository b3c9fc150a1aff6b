// Command kubelogin-provider-devicecode serves the "devicecode" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/devicecode"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(devicecode.New()) }
