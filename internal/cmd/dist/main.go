// Command dist writes kubelogin's release archives, their provider policies,
// SHA256SUMS and VERSION (see internal/dist); `make dist` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/kubelogin-dev/kubelogin/internal/dist"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run() error {
	c := dist.Config{Log: os.Stderr}
	var platforms string
	flag.StringVar(&c.Version, "version", "", "release version, e.g. v1.2.3 (names the archives)")
	flag.StringVar(&c.LDFLAGS, "ldflags", "", "go build -ldflags, which set the version the binaries report")
	flag.StringVar(&c.Out, "out", "dist", "directory to create")
	flag.StringVar(&c.Src, "src", ".", "module root")
	flag.StringVar(&c.Go, "go", "go", "go command")
	flag.StringVar(&platforms, "platforms", "", "comma-separated os/arch list (default: every release platform)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	for _, s := range strings.FieldsFunc(platforms, func(r rune) bool { return r == ',' }) {
		p, err := dist.ParsePlatform(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		c.Platforms = append(c.Platforms, p)
	}
	// SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the archive members'
	// time, so the same commit gives byte-identical archives.
	c.ModTime = time.Now()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		c.ModTime = time.Unix(sec, 0)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return dist.Build(ctx, c)
}
