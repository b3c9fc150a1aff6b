// Command kubelogin-provider-workloadidentity serves the "workloadidentity" login mode to the kubelogin host.
package main

import (
	"log"

	"github.com/kubelogin-dev/kubelogin/providers/workloadidentity"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

func main() {
	if err := sdk.Serve(workloadidentity.New()); err != nil {
		log.Fatal(err)
	}
}
