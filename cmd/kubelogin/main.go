// Command kubelogin is the host: kubectl runs it as an exec credential
// plugin, and it starts login-mode providers only when its cache cannot
// answer.
package main

import (
	"os"

	"github.com/kubelogin-dev/kubelogin/host/cli"
)

func main() {
	os.Exit(cli.Main())
}
