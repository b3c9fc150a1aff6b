package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// childTimeout bounds one get-token; a hung child fails the bench instead
// of stalling it.
const childTimeout = 30 * time.Second

// spec is one process to run.
type spec struct {
	path string
	args []string
	env  []string
}

// result is what one finished child measured and printed.
type result struct {
	wall  time.Duration
	rss   int64 // peak resident set in bytes; 0 where the OS does not say
	token string
}

// prepare builds the command so a caller can start several at one moment.
func (s spec) prepare(ctx context.Context) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, s.path, s.args...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run starts the child, waits for it and checks that it printed a valid
// ExecCredential, the way kubectl would reject it otherwise.
func (s spec) run(ctx context.Context) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, childTimeout)
	defer cancel()
	cmd, stdout, stderr := s.prepare(ctx)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("starting %s: %w", s.path, err)
	}
	return finish(cmd, start, stdout, stderr)
}

// finish waits for a started child and turns its exit and output into a
// result; wall time runs from start until the child is reaped.
func finish(cmd *exec.Cmd, start time.Time, stdout, stderr *bytes.Buffer) (result, error) {
	err := cmd.Wait()
	wall := time.Since(start)
	name := strings.Join(append([]string{"kubelogin"}, cmd.Args[1:2]...), " ")
	if err != nil {
		return result{}, fmt.Errorf("%s failed: %w\nstderr:\n%s", name, err, indent(stderr.String()))
	}
	tok, err := checkExecCredential(stdout.Bytes())
	if err != nil {
		return result{}, fmt.Errorf("%s printed no valid ExecCredential: %w\nstdout:\n%s\nstderr:\n%s",
			name, err, indent(stdout.String()), indent(stderr.String()))
	}
	return result{wall: wall, rss: peakRSS(cmd.ProcessState), token: tok}, nil
}

// checkExecCredential accepts exactly what client-go accepts from a
// plugin: one ExecCredential with a token and, if given, a parseable expiry
// in the future.
func checkExecCredential(out []byte) (string, error) {
	var c struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
		Status     *struct {
			Token               string `json:"token"`
			ExpirationTimestamp string `json:"expirationTimestamp"`
		} `json:"status"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&c); err != nil {
		return "", fmt.Errorf("decoding: %w", err)
	}
	if dec.More() {
		return "", errors.New("more than one JSON value on stdout")
	}
	switch {
	case c.Kind != "ExecCredential":
		return "", fmt.Errorf("kind %q, want ExecCredential", c.Kind)
	case !strings.HasPrefix(c.APIVersion, "client.authentication.k8s.io/"):
		return "", fmt.Errorf("apiVersion %q is not an exec credential version", c.APIVersion)
	case c.Status == nil || c.Status.Token == "":
		return "", errors.New("empty status.token")
	}
	if ts := c.Status.ExpirationTimestamp; ts != "" {
		exp, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return "", fmt.Errorf("expirationTimestamp %q: %w", ts, err)
		}
		if !exp.After(time.Now()) {
			return "", fmt.Errorf("expirationTimestamp %s is not in the future", ts)
		}
	}
	return c.Status.Token, nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "  (empty)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
