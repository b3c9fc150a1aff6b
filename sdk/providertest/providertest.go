// Package providertest checks that a provider binary keeps the kubelogin
// provider contract. It runs the binary the way the host does, through the
// go-plugin client over gRPC, so a provider that passes here behaves under
// kubelogin too. Call Run from a test after building the binary:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, binPath, providertest.Options{
//			Request: &sdk.Request{LoginMode: "mymode", TenantID: "t", ClientID: "c",
//				Scopes: []string{"api://server/.default"}},
//		})
//	}
//
// Run checks that the binary refuses to run without the handshake cookie,
// shakes hands in time, describes itself with a well-formed spec for each
// login mode (sdk.ModeSpec.Validate), refuses with CodeInvalidRequest every
// request that lacks one thing its mode's spec requires, returns an expiry
// with every opaque token, writes nothing to stdout after the handshake, logs only hclog lines on stderr, never shows a secret,
// gives up when its request times out or is cancelled, and leaves no
// process or socket behind when killed.
package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// BlackholeEnv is set, in the provider's environment for the timeout and
// cancel checks, to the URL of a server that accepts connections and never
// answers. The kit also makes it the request's AuthorityHost; a provider
// that talks to an endpoint of its own (not the authority host) should use
// this URL instead of that endpoint when the variable is set, so that the
// checks see it give up. It is the kit's only hook: nothing else in a
// provider needs to know it runs under the kit.
const BlackholeEnv = "KUBELOGIN_CONFORMANCE_BLACKHOLE"

// Options configure Run.
type Options struct {
	// Request is a request the provider accepts; settings, credentials and
	// provider args its mode requires but it lacks are filled with
	// placeholders. Run points its AuthorityHost (and BlackholeEnv) at a
	// server that accepts connections and never answers, disables instance
	// discovery, and expects the provider to give up when the request's
	// timeout passes or the host cancels. An empty LoginMode checks every
	// declared mode. Without a Request those checks are skipped.
	Request *sdk.Request
	// Cases are extra requests, each run in a fresh process under the same
	// output checks.
	Cases []Case
	// Env is added to the provider's environment (after the test's own).
	Env []string
	// StartTimeout bounds the handshake; 0 means 5s.
	StartTimeout time.Duration
	// Slack is how long past a timeout or cancellation the provider may
	// take to answer; 0 means 3s.
	Slack time.Duration
}

// Case is one extra request with its own expectations.
type Case struct {
	Name    string
	Request *sdk.Request
	// Check inspects the outcome; it runs before the process is killed.
	Check func(t *testing.T, p *Provider, r Result)
}

// Run runs the conformance checks against binary.
func Run(t *testing.T, binary string, opts Options) {
	t.Helper()
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 5 * time.Second
	}
	if opts.Slack == 0 {
		opts.Slack = 3 * time.Second
	}
	// Trace logging exercises every log line the provider can write.
	env := append([]string{protocol.LogLevelEnv + "=trace"}, opts.Env...)
	secrets := secretsOf(opts)

	t.Run("refuses to run without the handshake cookie", func(t *testing.T) {
		if err := checkNoCookie(binary, env); err != nil {
			t.Error(err)
		}
	})

	// session starts a provider, runs fn, kills it and checks what it left,
	// also when fn stops the test.
	session := func(t *testing.T, fn func(t *testing.T, p *Provider, results *[]Result), extraEnv ...string) {
		p, err := start(binary, opts.StartTimeout, append(slices.Clone(env), extraEnv...))
		if err != nil {
			t.Fatal(err)
		}
		var results []Result
		defer func() {
			if err := p.Kill(); err != nil {
				t.Errorf("kill: %v", err)
			}
			for _, err := range checkOutput(p, results, secrets) {
				t.Error(err)
			}
		}()
		fn(t, p, &results)
	}

	var info sdk.Info
	t.Run("handshake and describe", func(t *testing.T) {
		session(t, func(t *testing.T, p *Provider, _ *[]Result) {
			t.Logf("handshake took %v", p.StartupTime)
			ctx, cancel := context.WithTimeout(context.Background(), opts.StartTimeout)
			defer cancel()
			var err error
			if info, err = p.Describe(ctx); err != nil {
				t.Fatalf("Describe: %v", err)
			}
			if err := errors.Join(checkInfo(info), checkSpecs(info)); err != nil {
				t.Error(err)
			}
		})
	})

	t.Run("refuses requests that lack a required setting", func(t *testing.T) {
		session(t, func(t *testing.T, p *Provider, results *[]Result) {
			for _, m := range info.Modes {
				oms := omissions(m, opts.Request, newBlackhole(t).url)
				rs, err := checkRefusals(p, oms, m.LoginMode, opts.Slack)
				*results = append(*results, rs...)
				t.Logf("login mode %s: sent %d requests that each lack one required thing", m.LoginMode, len(oms))
				if err != nil {
					t.Error(err)
				}
			}
		})
	})

	var timed []sdk.Request
	if opts.Request != nil {
		for _, m := range info.Modes {
			if opts.Request.LoginMode == "" || opts.Request.LoginMode == m.LoginMode {
				base := *opts.Request
				base.LoginMode = m.LoginMode
				timed = append(timed, complete(m, &base))
			}
		}
	}
	for _, req := range timed {
		// The black hole stands in for the identity provider: as the
		// request's authority host, and through BlackholeEnv for a
		// provider with an endpoint of its own.
		t.Run("login mode "+req.LoginMode+" gives up when the request times out", func(t *testing.T) {
			hole := newBlackhole(t)
			session(t, func(t *testing.T, p *Provider, results *[]Result) {
				r, err := checkTimeout(p, req, opts.Slack, hole)
				*results = append(*results, r)
				if err != nil {
					t.Error(err)
				}
			}, BlackholeEnv+"="+hole.url)
		})
		t.Run("login mode "+req.LoginMode+" stops when the host cancels", func(t *testing.T) {
			hole := newBlackhole(t)
			session(t, func(t *testing.T, p *Provider, results *[]Result) {
				r, err := checkCancel(p, req, opts.Slack, hole)
				*results = append(*results, r)
				if err != nil {
					t.Error(err)
				}
			}, BlackholeEnv+"="+hole.url)
		})
	}

	for _, c := range opts.Cases {
		t.Run(c.Name, func(t *testing.T) {
			session(t, func(t *testing.T, p *Provider, results *[]Result) {
				r := p.GetToken(context.Background(), c.Request)
				*results = append(*results, r)
				if err := checkExpiry(info, c.Request, r); err != nil {
					t.Error(err)
				}
				if c.Check != nil {
					c.Check(t, p, r)
				}
			})
		})
	}
}

func checkNoCookie(binary string, env []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	for _, kv := range append(os.Environ(), env...) {
		if !strings.HasPrefix(kv, protocol.MagicCookieKey+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return errors.New("ran without the handshake cookie and exited 0")
	case !errors.As(err, &exit):
		return err
	case !strings.Contains(stderr.String(), "This binary is a plugin"):
		return fmt.Errorf("without the cookie, stderr lacks go-plugin's \"This binary is a plugin\": %q", tail(stderr.String()))
	case stdout.Len() > 0:
		return fmt.Errorf("without the cookie, it wrote to stdout: %q", tail(stdout.String()))
	}
	return nil
}

var semverish = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$`)

func checkInfo(info sdk.Info) error {
	var errs []error
	if info.Name == "" {
		errs = append(errs, errors.New("Describe returned no name"))
	}
	if !semverish.MatchString(info.Version) {
		errs = append(errs, fmt.Errorf("Describe returned version %q, not MAJOR.MINOR.PATCH", info.Version))
	}
	if len(info.LoginModes) == 0 {
		errs = append(errs, errors.New("Describe returned no login modes"))
	}
	for _, m := range info.LoginModes {
		if m == "" || strings.ContainsAny(m, " /\\") {
			errs = append(errs, fmt.Errorf("login mode %q is not a plain name", m))
		}
	}
	return errors.Join(errs...)
}

// tokenDespiteBlackhole explains a token returned in the timeout or cancel
// check: with every endpoint the kit knows of silent, the provider talked to
// none of them.
const tokenDespiteBlackhole = ", although the authority host and " + BlackholeEnv +
	" name a server that never answers: a provider with an endpoint of its own must call the URL in " +
	BlackholeEnv + " instead when it is set, and one that calls no endpoint skips these checks (--offline, or no Options.Request)"

func checkTimeout(p *Provider, req sdk.Request, slack time.Duration, hole *blackhole) (Result, error) {
	req.AuthorityHost = hole.url
	req.DisableInstanceDiscovery = true
	req.Timeout = 500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), req.Timeout+2*slack)
	defer cancel()
	began := time.Now()
	r := p.GetToken(ctx, &req)
	took := time.Since(began)
	var errs []error
	switch {
	case r.Err == nil:
		errs = append(errs, errors.New("GetToken returned a token before its timeout"+tokenDespiteBlackhole))
	case sdk.CodeOf(r.Err) != sdk.CodeCancelled:
		errs = append(errs, fmt.Errorf("GetToken past its timeout failed with %q (%v), want code %v", r.Err, sdk.CodeOf(r.Err), sdk.CodeCancelled))
	}
	if took > req.Timeout+slack {
		errs = append(errs, fmt.Errorf("GetToken took %v with a %v timeout", took.Round(time.Millisecond), req.Timeout))
	}
	return r, errors.Join(errs...)
}

func checkCancel(p *Provider, req sdk.Request, slack time.Duration, hole *blackhole) (Result, error) {
	req.AuthorityHost = hole.url
	req.DisableInstanceDiscovery = true
	req.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		hole.waitConnected(2 * time.Second)
		cancel()
	}()
	began := time.Now()
	r := p.GetToken(ctx, &req)
	var errs []error
	if r.Err == nil {
		errs = append(errs, errors.New("GetToken returned a token although the host cancelled it"+tokenDespiteBlackhole))
	}
	if took := time.Since(began); took > 2*time.Second+slack {
		errs = append(errs, fmt.Errorf("GetToken took %v to notice the host cancelled it", took.Round(time.Millisecond)))
	}
	// The provider must still serve the host after a cancelled request.
	dctx, dcancel := context.WithTimeout(context.Background(), slack)
	defer dcancel()
	if _, err := p.Describe(dctx); err != nil {
		errs = append(errs, fmt.Errorf("Describe after a cancelled GetToken: %w", err))
	}
	return r, errors.Join(errs...)
}

// checkOutput applies the output rules to a finished session.
func checkOutput(p *Provider, results []Result, secrets []string) []error {
	var errs []error
	if out := p.Stdout(); out != "" {
		errs = append(errs, fmt.Errorf("wrote to stdout after the handshake (kubectl reads the host's stdout as data): %q", tail(out)))
	}
	for _, line := range strings.Split(p.Stderr(), "\n") {
		if line = strings.TrimSpace(line); line != "" && !logLine(line) {
			errs = append(errs, fmt.Errorf("stderr line is neither hclog JSON nor a [LEVEL] line: %q", tail(line)))
		}
	}
	seen := map[string]string{"stdout": p.Stdout(), "stderr": p.Stderr()}
	for i, r := range results {
		if r.Err != nil {
			seen[fmt.Sprintf("the error of request %d", i+1)] = r.Err.Error()
		}
		for _, e := range r.Events {
			seen["a "+e.Kind+" UI event"] += e.Text + e.DeviceCode.Message
		}
	}
	for where, text := range seen {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				errs = append(errs, errors.New("a secret from the request appears in "+where))
			}
		}
	}
	return errs
}

var levelPrefix = regexp.MustCompile(`^\[(TRACE|DEBUG|INFO|WARN|ERROR)\]`)

func logLine(line string) bool {
	if levelPrefix.MatchString(line) {
		return true
	}
	var entry map[string]any
	if json.Unmarshal([]byte(line), &entry) != nil {
		return false
	}
	_, level := entry["@level"]
	_, msg := entry["@message"]
	return level && msg
}

// secretsOf lists the secret values in the requests, which must never be
// shown; short ones are skipped to avoid false alarms.
func secretsOf(opts Options) []string {
	reqs := []*sdk.Request{opts.Request}
	for _, c := range opts.Cases {
		reqs = append(reqs, c.Request)
	}
	// The placeholders the refusal checks send.
	out := []string{"kit-placeholder-secret", "kit-placeholder-password"}
	for _, r := range reqs {
		if r == nil {
			continue
		}
		for _, s := range []string{r.Credentials.ClientSecret, r.Credentials.ClientCertificatePassword, r.Credentials.Password} {
			if len(s) >= 6 {
				out = append(out, s)
			}
		}
	}
	return out
}
