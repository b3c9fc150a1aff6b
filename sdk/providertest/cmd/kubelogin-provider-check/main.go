// Command kubelogin-provider-check runs the conformance kit against a
// provider binary written in any language, as the kubelogin host launches
// it:
//
//	go run github.com/kubelogin-dev/kubelogin/sdk/providertest/cmd/kubelogin-provider-check@<version> \
//		[--mode MODE] [--arg NAME=VALUE]... [--env NAME=VALUE]... PATH
//
// It runs every check of providertest.Run. The timeout and cancel checks
// send each declared mode (or --mode alone) a request whose authority host
// is a server that never answers, with what the mode requires filled with
// placeholders and --arg values as provider args; a provider with an
// endpoint of its own finds that server's URL in
// KUBELOGIN_CONFORMANCE_BLACKHOLE. It exits 0 when every check passes.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }
func (p pairs) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not NAME=VALUE", v)
	}
	p[k] = val
	return nil
}

func main() {
	fs := flag.NewFlagSet("kubelogin-provider-check", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: kubelogin-provider-check [--mode MODE] [--arg NAME=VALUE]... [--env NAME=VALUE]... [-v] PATH")
		fs.PrintDefaults()
	}
	mode := fs.String("mode", "", "check only this login mode's timeout and cancel handling (default: every declared mode)")
	args, env := pairs{}, pairs{}
	fs.Var(args, "arg", "a provider arg NAME=VALUE to send (repeatable)")
	fs.Var(env, "env", "a variable NAME=VALUE to add to the provider's environment (repeatable)")
	offline := fs.Bool("offline", false, "skip the timeout and cancel checks, for a provider that calls no endpoint")
	verbose := fs.Bool("v", false, "list every check, not only failures")
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() != 1 {
		fs.Usage()
		os.Exit(2)
	}
	binary := fs.Arg(0)
	if _, err := os.Stat(binary); err != nil {
		fmt.Fprintf(os.Stderr, "kubelogin-provider-check: %v\n", err)
		os.Exit(2)
	}
	opts := providertest.Options{Request: &sdk.Request{LoginMode: *mode, Extra: args}}
	if *offline {
		opts.Request = nil
	}
	for k, v := range env {
		opts.Env = append(opts.Env, k+"="+v)
	}

	// The kit's checks are Go tests; testing.Main runs them outside go test.
	os.Args = []string{os.Args[0]}
	if *verbose {
		os.Args = append(os.Args, "-test.v")
	}
	testing.Main(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: "Conformance", F: func(t *testing.T) { providertest.Run(t, binary, opts) }}}, nil, nil)
}
