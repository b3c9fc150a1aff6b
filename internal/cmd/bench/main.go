// Command bench measures the built kubelogin binaries as processes, the way
// kubectl runs them, against an in-process Entra ID emulator: get-token on
// a cache hit (with the encrypted and the plaintext token store, runs
// interleaved), cold with the spn provider, and a burst of parallel calls on
// an expired entry. `make bench` runs it after `make build`.
//
// It prints PASS or MISS next to each performance target and exits 0
// either way; it exits 1 only when something is functionally wrong (a child
// failed or printed no ExecCredential, a cache hit reached the emulator,
// parallel calls made more than one token request).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// Targets from the issues, for the 2-core CI machines.
const (
	hitWallTarget = 10 * time.Millisecond
	hitRSSTarget  = 20_000_000 // bytes
	// encryptedOverPlain bounds the encrypted store's cache hit relative to the plaintext one (issue 11).
	encryptedOverPlain = 1.10
)

func main() {
	bin := flag.String("bin", "bin", "directory holding kubelogin and kubelogin-provider-spn")
	runs := flag.Int("runs", 50, "runs of each sequential measurement")
	procs := flag.Int("parallel", 20, "processes started together on one expired entry")
	rounds := flag.Int("rounds", 5, "repetitions of the parallel burst")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *bin, *runs, *procs, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, bin string, runs, procs, rounds int) error {
	if runs < 1 || procs < 1 || rounds < 1 {
		return errors.New("-runs, -parallel and -rounds must be at least 1")
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		return fmt.Errorf("resolving -bin: %w", err)
	}
	host, err := readHostBuild(bin)
	if err != nil {
		return err
	}
	sizes, err := binarySizes(bin)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, machine())
	fmt.Fprintf(w, "host: %s (%s)\n\n", filepath.Join(bin, "kubelogin"), host.describe)
	e, err := newEnv(bin)
	if err != nil {
		return err
	}
	defer e.close()

	began := time.Now()
	hits, err := cacheHits(ctx, e, runs, []string{"encrypted", "file"})
	if err != nil {
		return err
	}
	enc, plain := hits[0], hits[1]
	cold, err := coldSPN(ctx, e, runs)
	if err != nil {
		return err
	}
	par, err := parallelExpired(ctx, e, procs, rounds)
	if err != nil {
		return err
	}

	t := &table{header: []string{"measurement", "n", "median", "min", "max", "target", "result"}}
	for _, hit := range hits {
		label := "get-token cache hit, " + hit.store + " store"
		t.add(append(append([]string{label + ": wall", fmt.Sprint(runs)}, durations(hit.wall)...),
			"median ≤ "+ms(hitWallTarget), verdict(hit.wall.Median <= hitWallTarget))...)
		t.add(label+": peak RSS", fmt.Sprint(runs), mb(hit.rss.Median), mb(hit.rss.Min), mb(hit.rss.Max),
			"median, max ≤ "+mb(hitRSSTarget), verdict(hit.rss.Max > 0 && hit.rss.Max <= hitRSSTarget))
	}
	ratio := float64(enc.wall.Median) / float64(plain.wall.Median)
	t.add("get-token cache hit: encrypted / plaintext median", fmt.Sprint(runs), fmt.Sprintf("%.1f%%", 100*ratio), "", "",
		fmt.Sprintf("≤ %.0f%%", 100*encryptedOverPlain), verdict(ratio <= encryptedOverPlain))
	t.add("get-token cache hit: emulator requests", fmt.Sprint(2*runs), fmt.Sprint(enc.requests), "", "",
		"0 (no provider)", verdict(enc.requests == 0))
	t.add(append(append([]string{"get-token cold spn: wall", fmt.Sprint(runs)}, durations(cold.wall)...), "", "")...)
	t.add("get-token cold spn: token requests", fmt.Sprint(runs), fmt.Sprintf("%d (+%d other)", cold.tokenRequests, cold.otherRequests),
		"", "", "1 per run", verdict(cold.tokenRequests == runs))

	var walls []time.Duration
	var reqs, distinct []int
	valid := 0
	for _, r := range par {
		walls, reqs, distinct = append(walls, r.wall), append(reqs, r.tokenRequests), append(distinct, r.distinct)
		valid += r.valid
	}
	name := fmt.Sprintf("%d parallel on expired entry", procs)
	n := fmt.Sprintf("%d rounds", rounds)
	reqSum, distSum := summarize(reqs), summarize(distinct)
	t.add(append(append([]string{name + ": wall until all done", n}, durations(summarize(walls))...), "", "")...)
	t.add(append(append([]string{name + ": token requests", n}, counts(reqSum)...),
		"1 per round", verdict(reqSum.Min == 1 && reqSum.Max == 1))...)
	t.add(append(append([]string{name + ": distinct tokens", n}, counts(distSum)...),
		"1 per round", verdict(distSum.Min == 1 && distSum.Max == 1))...)
	t.add(name+": valid ExecCredentials", n, fmt.Sprintf("%d of %d", valid, procs*rounds), "", "",
		"all", verdict(valid == procs*rounds))
	if err := t.write(w); err != nil {
		return err
	}

	linkLine := "host links azidentity/azcore/MSAL: no — PASS"
	if len(host.linked) > 0 {
		linkLine = "host links azidentity/azcore/MSAL: yes (" + strings.Join(host.linked, ", ") + ") — MISS"
	}
	fmt.Fprintf(w, "\n%s\nbinaries: %s\nbench took %s\n", linkLine, sizes, time.Since(began).Round(100*time.Millisecond))

	var broken []string
	if enc.requests != 0 {
		broken = append(broken, fmt.Sprintf("cache hits made %d emulator requests: a provider ran", enc.requests))
	}
	if cold.tokenRequests != runs {
		broken = append(broken, fmt.Sprintf("%d cold calls made %d token requests", runs, cold.tokenRequests))
	}
	if reqSum.Min != 1 || reqSum.Max != 1 || distSum.Max != 1 {
		broken = append(broken, fmt.Sprintf("parallel calls on one expired entry made %v token requests and %v distinct tokens per round; want 1 each", reqs, distinct))
	}
	if len(broken) > 0 {
		return errors.New(strings.Join(broken, "; "))
	}
	return nil
}
