package providertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// testBinary is the well-behaved test provider, which also calls the
// authority host (for the kit's timeout and cancel checks); binaryFor names
// the others.
var testBinary, binDir string

// binaryFor is the test provider installed as the login mode fault, which
// selects its misbehaviour.
func binaryFor(fault string) string { return filepath.Join(binDir, "kubelogin-provider-"+fault) }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "providertest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	if err := install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	testBinary = binaryFor("network")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// install builds the test provider once and links it under each name.
func install() error {
	bin := filepath.Join(binDir, "testprovider")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/testprovider").CombinedOutput(); err != nil {
		return fmt.Errorf("build test provider: %v\n%s", err, out)
	}
	for _, mode := range []string{"network", "ownendpoint", "tokenstdout", "rawstderr", "leaksecret", "ignorectx", "badsemver", "badspec", "acceptsincomplete", "noexpiry", "ignoresblackhole"} {
		if err := os.Link(bin, binaryFor(mode)); err != nil {
			return err
		}
	}
	return nil
}

var request = sdk.Request{LoginMode: "test", TenantID: "t", ClientID: "c", Credentials: sdk.Credentials{ClientSecret: "hunter2-secret"}}

func TestRunPassesAGoodProvider(t *testing.T) {
	t.Parallel()
	Run(t, testBinary, Options{
		Request: &request,
		Cases: []Case{{
			Name:    "token without network",
			Request: &request,
			Check: func(t *testing.T, _ *Provider, r Result) {
				if r.Err != nil || r.Token.AccessToken != "at" || r.Count("message") != 1 {
					t.Errorf("result = %+v", r)
				}
			},
		}},
	})
}

// session runs one request against the test provider with fault set and
// returns the output problems the kit finds.
func session(t *testing.T, fault string) []error {
	p := Start(t, binaryFor(fault), 0)
	r := p.GetToken(context.Background(), &request)
	if err := p.Kill(); err != nil {
		t.Errorf("kill: %v", err)
	}
	return checkOutput(p, []Result{r}, []string{request.Credentials.ClientSecret})
}

func TestDetectsOutputFaults(t *testing.T) {
	t.Parallel()
	for fault, want := range map[string]string{
		"tokenstdout": "wrote to stdout after the handshake",
		"rawstderr":   "neither hclog JSON nor a [LEVEL] line",
		"leaksecret":  "a secret from the request appears in the error of request 1",
	} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			errs := session(t, fault)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
				t.Errorf("errors = %v, want one containing %q", errs, want)
			}
		})
	}
	if errs := session(t, "network"); len(errs) != 0 {
		t.Errorf("a good provider was faulted: %v", errs)
	}
}

func TestDetectsIgnoredTimeout(t *testing.T) {
	t.Parallel()
	p := Start(t, binaryFor("ignorectx"), 0)
	_, err := checkTimeout(p, request, time.Second, newBlackhole(t))
	if err == nil || !strings.Contains(err.Error(), "took") {
		t.Errorf("err = %v, want a complaint about the time taken", err)
	}
}

// TestRunPassesAProviderWithItsOwnEndpoint: a provider that never reads the
// request's authority host passes the timeout and cancel checks by calling
// the URL in BlackholeEnv, as the kit documents; the server it reached is the
// one named by the variable, not the authority host.
func TestRunPassesAProviderWithItsOwnEndpoint(t *testing.T) {
	t.Parallel()
	Run(t, binaryFor("ownendpoint"), Options{Request: &request})

	authority, own := newBlackhole(t), newBlackhole(t)
	p := Start(t, binaryFor("ownendpoint"), 0, BlackholeEnv+"="+own.url)
	if _, err := checkTimeout(p, request, 3*time.Second, authority); err != nil {
		t.Errorf("timeout check with %s set: %v", BlackholeEnv, err)
	}
	own.waitConnected(5 * time.Second)
	select {
	case <-own.seen:
	default:
		t.Errorf("the provider never connected to the server named by %s", BlackholeEnv)
	}
	select {
	case <-authority.seen:
		t.Error("the provider connected to the authority host, which it does not use")
	default:
	}
}

// TestDetectsProviderThatIgnoresTheBlackhole: a provider that calls an
// endpoint of its own and ignores BlackholeEnv answers at once; both checks
// fail and say what to do.
func TestDetectsProviderThatIgnoresTheBlackhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		check func(*Provider, sdk.Request, time.Duration, *blackhole) (Result, error)
		want  string
	}{
		{"timeout", checkTimeout, "GetToken returned a token before its timeout"},
		{"cancel", checkCancel, "GetToken returned a token although the host cancelled it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hole := newBlackhole(t)
			p := Start(t, binaryFor("ignoresblackhole"), 0, BlackholeEnv+"="+hole.url)
			r, err := tt.check(p, request, time.Second, hole)
			if r.Err != nil || err == nil {
				t.Fatalf("result error %v, check error %v: want a token and a failed check", r.Err, err)
			}
			for _, want := range []string{tt.want, "must call the URL in " + BlackholeEnv, "--offline"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("check error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("check error is not one line: %q", err)
			}
		})
	}
}

func TestDetectsBadDescribe(t *testing.T) {
	t.Parallel()
	p := Start(t, binaryFor("badsemver"), 0)
	info, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkInfo(info); err == nil || !strings.Contains(err.Error(), "latest") {
		t.Errorf("checkInfo = %v", err)
	}
}

func TestDetectsMissingCookieCheck(t *testing.T) {
	t.Parallel()
	if err := checkNoCookie(testBinary, nil); err != nil {
		t.Errorf("good provider: %v", err)
	}
	sh, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1)")
	}
	if err := checkNoCookie(sh, nil); err == nil {
		t.Error("a binary that ignores the cookie passed")
	}
}

func TestKillLeavesNothing(t *testing.T) {
	t.Parallel()
	p := Start(t, testBinary, 0)
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := p.run.cmd.Process.Signal(syscall.Signal(0)); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal after Kill: %v, want %v", err, os.ErrProcessDone)
	}
}

func TestDetectsBadSpec(t *testing.T) {
	t.Parallel()
	p := Start(t, binaryFor("badspec"), 0)
	info, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSpecs(info); err == nil || !strings.Contains(err.Error(), "declare what the token is") {
		t.Errorf("checkSpecs = %v", err)
	}
	if err := checkSpecs(sdk.Info{LoginModes: []string{"test"}}); err == nil || !strings.Contains(err.Error(), "no mode specs") {
		t.Errorf("checkSpecs without modes = %v", err)
	}
	m := info.Modes[0]
	m.Token = sdk.TokenOpaque
	if err := checkSpecs(sdk.Info{Modes: []sdk.ModeSpec{m, m}, LoginModes: []string{"test"}}); err == nil ||
		!strings.Contains(err.Error(), "declared twice") || !strings.Contains(err.Error(), "differ from the specs' modes") {
		t.Errorf("checkSpecs with a mode twice = %v", err)
	}
}

func TestOmissions(t *testing.T) {
	spec := sdk.ModeSpec{
		LoginMode:          "m",
		Settings:           []sdk.SettingSpec{sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingLoginHint)},
		Credentials:        []sdk.CredentialKind{sdk.CredentialClientSecret, sdk.CredentialUsernamePassword},
		CredentialRequired: true,
		Args:               []sdk.ProviderArg{{Name: "a", Required: true}, {Name: "b"}},
	}
	base := &sdk.Request{LoginMode: "m", Credentials: sdk.Credentials{ClientSecret: "given-secret"}, Extra: map[string]string{"b": "kept"}}
	oms := omissions(spec, base, "https://hole/")
	var whats []string
	for _, o := range oms {
		whats = append(whats, o.what)
		r := o.req
		if r.AuthorityHost != "https://hole/" || r.Extra["b"] != "kept" || r.LoginHint != "" {
			t.Errorf("%s: request %v extra %v", o.what, r, r.Extra)
		}
	}
	want := []string{"its server id", "a credential", "a username (the other half given)", "a password (the other half given)", "provider arg a"}
	if strings.Join(whats, "|") != strings.Join(want, "|") {
		t.Fatalf("omissions = %q, want %q", whats, want)
	}
	if r := oms[0].req; r.Resource != "" || len(r.Scopes) != 0 || r.Credentials.ClientSecret != "given-secret" || r.Extra["a"] == "" {
		t.Errorf("without server id: %v extra %v", r, r.Extra)
	}
	if r := oms[1].req; r.Credentials.ClientSecret != "" || r.Credentials.Username != "" || len(r.Scopes) == 0 {
		t.Errorf("without credential: %v", r)
	}
	if r := oms[2].req; r.Credentials.Username != "" || r.Credentials.Password == "" || r.Credentials.ClientSecret != "" {
		t.Errorf("without username: %v", r)
	}
	if _, ok := oms[4].req.Extra["a"]; ok || base.Extra["a"] != "" {
		t.Error("provider arg a was not dropped, or the base request was changed")
	}
}

func TestDetectsAcceptedIncompleteRequest(t *testing.T) {
	t.Parallel()
	p := Start(t, binaryFor("acceptsincomplete"), 0)
	info, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = checkRefusals(p, omissions(info.Modes[0], &request, newBlackhole(t).url), "test", time.Second)
	for _, want := range []string{"without its client id", "without its tenant id", "without a credential"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checkRefusals = %v, want a complaint about a request %s", err, want)
		}
	}
}

func TestDetectsOpaqueTokenWithoutExpiry(t *testing.T) {
	t.Parallel()
	p := Start(t, binaryFor("noexpiry"), 0)
	info, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkExpiry(info, &request, p.GetToken(context.Background(), &request)); err == nil || !strings.Contains(err.Error(), "without an expiry") {
		t.Errorf("checkExpiry = %v", err)
	}
}
