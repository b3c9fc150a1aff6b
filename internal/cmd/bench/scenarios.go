package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"

	"github.com/kubelogin-dev/kubelogin/host/tokenstore"
)

// clientCredentials is the grant a service principal's token request uses.
const clientCredentials = "client_credentials"

// hitResult is get-token answered from the cache.
type hitResult struct {
	store    string // --token-store: encrypted or file
	wall     summary[time.Duration]
	rss      summary[int64]
	requests int // emulator requests during the measured runs; a hit makes none
}

// cacheHits fills one cache entry per token store with a cold call, then
// times calls that must be answered from it without starting a provider,
// alternating between the stores run by run so that both see the same
// machine load. The emulator's request log proves no provider ran: the spn
// provider cannot get a token without calling it.
func cacheHits(ctx context.Context, e *env, runs int, stores []string) ([]hitResult, error) {
	specs := make([]spec, len(stores))
	firsts := make([]string, len(stores))
	for i, store := range stores {
		dir := e.freshCacheDir()
		if store == "encrypted" {
			defer func() { _, _ = tokenstore.System().Delete(dir) }()
		}
		specs[i] = e.getToken(dir, "KUBELOGIN_TOKEN_STORE="+store)
		first, err := specs[i].run(ctx)
		if err != nil {
			return nil, fmt.Errorf("filling the %s cache: %w", store, err)
		}
		// One unmeasured hit so every measured run sees the same warm page cache.
		if _, err := specs[i].run(ctx); err != nil {
			return nil, fmt.Errorf("warm-up %s cache hit: %w", store, err)
		}
		firsts[i] = first.token
	}
	e.em.ResetRequests()
	walls := make([][]time.Duration, len(stores))
	rss := make([][]int64, len(stores))
	for run := range runs {
		for i, store := range stores {
			r, err := specs[i].run(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s cache hit run %d: %w", store, run+1, err)
			}
			if r.token != firsts[i] {
				return nil, fmt.Errorf("%s cache hit run %d printed a different token than the cached one", store, run+1)
			}
			walls[i], rss[i] = append(walls[i], r.wall), append(rss[i], r.rss)
		}
	}
	requests := e.em.Counts().Total
	out := make([]hitResult, len(stores))
	for i, store := range stores {
		out[i] = hitResult{store: store, wall: summarize(walls[i]), rss: summarize(rss[i]), requests: requests}
	}
	return out, nil
}

// coldResult is get-token with nothing cached: provider start, discovery,
// one token request, cache write.
type coldResult struct {
	wall          summary[time.Duration]
	tokenRequests int
	otherRequests int
}

// coldSPN times get-token against an empty cache directory each run, so
// the provider starts every time and the cache write is included, as on a
// developer's first kubectl call.
func coldSPN(ctx context.Context, e *env, runs int) (coldResult, error) {
	e.em.ResetRequests()
	walls := make([]time.Duration, 0, runs)
	for i := range runs {
		r, err := e.getToken(e.freshCacheDir()).run(ctx)
		if err != nil {
			return coldResult{}, fmt.Errorf("cold spn run %d: %w", i+1, err)
		}
		walls = append(walls, r.wall)
	}
	c := e.em.Counts()
	tok := c.GrantTypes[clientCredentials]
	return coldResult{wall: summarize(walls), tokenRequests: tok, otherRequests: c.Total - tok}, nil
}

// round is one burst of parallel get-token calls on one expired entry.
type round struct {
	wall          time.Duration
	tokenRequests int
	valid         int // children that printed a valid ExecCredential with a fresh token
	distinct      int // distinct tokens printed; one refresh means one token
}

// The expired entries are tokens issued with expiringLifetime; the cache
// serves such a short-lived token for half its life, so after
// expiringLifetime/2 (plus slack for the write) it is a miss.
const (
	expiringLifetime = 3 * time.Second
	normalLifetime   = time.Hour
)

// parallelExpired prepares one cache directory per round holding an
// expired entry, then per round starts procs get-token processes at one
// moment and waits for all. Rounds are prepared together so the wait for
// the entries to expire is paid once.
func parallelExpired(ctx context.Context, e *env, procs, rounds int) ([]round, error) {
	e.em.SetAccessTokenLifetime(expiringLifetime)
	dirs := make([]string, rounds)
	stale := make([]string, rounds)
	var filled time.Time
	for i := range dirs {
		dirs[i] = e.freshCacheDir()
		r, err := e.getToken(dirs[i]).run(ctx)
		if err != nil {
			e.em.SetAccessTokenLifetime(normalLifetime)
			return nil, fmt.Errorf("filling cache for round %d: %w", i+1, err)
		}
		stale[i], filled = r.token, time.Now()
	}
	e.em.SetAccessTokenLifetime(normalLifetime)
	time.Sleep(time.Until(filled.Add(expiringLifetime/2 + 200*time.Millisecond)))

	out := make([]round, 0, rounds)
	for i, dir := range dirs {
		e.em.ResetRequests()
		r, err := burst(ctx, e.getToken(dir), procs, stale[i])
		if err != nil {
			return nil, fmt.Errorf("parallel round %d: %w", i+1, err)
		}
		r.tokenRequests = e.em.Count(clientCredentials)
		out = append(out, r)
	}
	return out, nil
}

// burst prepares procs commands, releases them together and reports the
// wall time until the last one was reaped. Any child failing fails the
// round, with its stderr.
func burst(ctx context.Context, s spec, procs int, stale string) (round, error) {
	ctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	type prepared struct {
		cmd            *exec.Cmd
		stdout, stderr *bytes.Buffer
	}
	cmds := make([]prepared, procs)
	for i := range cmds {
		cmd, stdout, stderr := s.prepare(ctx)
		cmds[i] = prepared{cmd, stdout, stderr}
	}
	results := make([]result, procs)
	errs := make([]error, procs)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for i, p := range cmds {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			start := time.Now()
			if err := p.cmd.Start(); err != nil {
				errs[i] = fmt.Errorf("starting process %d: %w", i+1, err)
				return
			}
			results[i], errs[i] = finish(p.cmd, start, p.stdout, p.stderr)
		}()
	}
	ready.Wait()
	start := time.Now()
	close(gate)
	done.Wait()
	r := round{wall: time.Since(start)}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	tokens := map[string]bool{}
	for i, res := range results {
		if res.token == stale {
			return r, fmt.Errorf("process %d printed the expired token", i+1)
		}
		tokens[res.token] = true
		r.valid++
	}
	r.distinct = len(tokens)
	return r, nil
}
