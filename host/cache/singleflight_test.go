package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSingleFlightAcrossProcesses runs get-token's read/lock/re-read/fetch sequence in 20 processes at once
// against an expired entry: exactly one may fetch, it must receive the old provider state, and all 20
// must hand out the same token.
func TestSingleFlightAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("launches 20 processes")
	}
	const procs = 20
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "fetches.log")
	c, _ := openTest(t, dir)
	expired := &Entry{AccessToken: "old", ExpiresAt: time.Now().Add(-time.Minute), State: []byte("seed")}
	if err := c.Put(testKey, expired); err != nil {
		t.Fatal(err)
	}

	var ps []*helperProc
	for range procs {
		p := startHelper(t, "single-flight", dir, helperLogEnv+"="+log)
		p.expectLine(t, "ready")
		ps = append(ps, p)
	}
	for _, p := range ps { // release them together
		if _, err := p.stdin.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
	}
	tokens := map[string]int{}
	for _, p := range ps {
		tokens[p.expectLine(t, "token ")]++
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v; stderr: %s", p.cmd.Process.Pid, err, p.stderr)
		}
		if s := p.stderr.String(); s != "" {
			t.Errorf("helper %d warned: %s", p.cmd.Process.Pid, s)
		}
	}

	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	fetches := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(fetches) != 1 || !strings.HasSuffix(fetches[0], "state=seed") {
		t.Fatalf("fetches = %q, want exactly one, given the stored state", fetches)
	}
	if len(tokens) != 1 {
		t.Fatalf("processes got different tokens: %v", tokens)
	}
	for tok := range tokens {
		if !strings.HasPrefix(tok, "token-from-") {
			t.Errorf("processes served %q, want the fresh token", tok)
		}
	}
}
