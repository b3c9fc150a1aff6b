// Command kubelogin-testenv runs the Entra ID emulator and the Kubernetes API server stand-in in one process
// for end-to-end tests and `make demo`. It writes ca.pem, a kubeconfig shaped like `az aks get-credentials`
// output (pointing kubelogin at the emulator) and state.json (0600; the only place secrets are written),
// then serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kubelogin-testenv:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	dir                  string
	stateFile            string
	autoApproveAfter     time.Duration
	tokenLifetime        time.Duration
	refreshTokenLifetime time.Duration
	entraAddr            string
	proxyAddr            string
	kubeAPIAddr          string
	autoLogin            bool
	extraDNSNames        []string
	audiences            []string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("kubelogin-testenv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dir, "dir", "", "directory for ca.pem, kubeconfig and state.json (required)")
	fs.StringVar(&c.stateFile, "state-file", "", "where to write the state JSON (default <dir>/state.json)")
	fs.DurationVar(&c.autoApproveAfter, "auto-approve-after", 0, "approve each device code as the test user this long after it is issued (0: never)")
	fs.DurationVar(&c.tokenLifetime, "token-lifetime", time.Hour, "access token lifetime")
	fs.DurationVar(&c.refreshTokenLifetime, "refresh-token-lifetime", 24*time.Hour, "refresh token inactivity lifetime")
	fs.StringVar(&c.entraAddr, "entra-addr", "127.0.0.1:0", "listen address of the Entra ID emulator")
	fs.StringVar(&c.proxyAddr, "proxy-addr", "127.0.0.1:0", "listen address of the intercepting proxy (HTTPS_PROXY) that presents the emulator under the real cloud host names")
	fs.StringVar(&c.kubeAPIAddr, "kubeapi-addr", "127.0.0.1:0", "listen address of the API server stand-in")
	fs.BoolVar(&c.autoLogin, "auto-login", false, "sign the test user in at the authorize endpoint without showing the login form")
	fs.Func("extra-dns-name", "extra DNS name for the emulator's certificate, e.g. login.microsoftonline.com (repeatable)", func(s string) error {
		c.extraDNSNames = append(c.extraDNSNames, s)
		return nil
	})
	fs.Func("audience", "token audience the API server accepts (repeatable; default the AKS server ID; add spn:<id> for legacy)", func(s string) error {
		c.audiences = append(c.audiences, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.dir == "" {
		return c, errors.New("--dir is required")
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, nil
}

// run starts the environment and blocks until ctx is cancelled.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	env, err := start(cfg)
	if err != nil {
		return err
	}
	go env.announceDeviceCodes(ctx, stderr)
	env.printSummary(stdout)
	<-ctx.Done()
	fmt.Fprintln(stdout, "kubelogin-testenv: shutting down")
	return env.close()
}
