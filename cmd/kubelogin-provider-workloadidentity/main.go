// Command kubelogin-provider-workloadidentity serves the "workloadidentity" login mode to the kubelogin host.
package main

import (
	"github.com/kubelogin-dev/kubelogin/providers/workloadidentity"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() { sdk.Serve(workloadidentity.New()) }
