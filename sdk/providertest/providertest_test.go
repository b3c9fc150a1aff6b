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

var testBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "providertest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBinary = filepath.Join(dir, "testprovider")
	out, err := exec.Command("go", "build", "-o", testBinary, "./internal/testprovider").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build test provider: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var request = sdk.Request{LoginMode: "test", TenantID: "t", ClientID: "c", Credentials: sdk.Credentials{ClientSecret: "hunter2-secret"}}

func TestRunPassesAGoodProvider(t *testing.T) {
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
	p := Start(t, testBinary, 0, "TESTPROVIDER_FAULT="+fault)
	r := p.GetToken(context.Background(), &request)
	if err := p.Kill(); err != nil {
		t.Errorf("kill: %v", err)
	}
	return checkOutput(p, []Result{r}, []string{request.Credentials.ClientSecret})
}

func TestDetectsOutputFaults(t *testing.T) {
	for fault, want := range map[string]string{
		"stdout":      "wrote to stdout after the handshake",
		"raw-stderr":  "neither hclog JSON nor a [LEVEL] line",
		"leak-secret": "a secret from the request appears in the error of request 1",
	} {
		t.Run(fault, func(t *testing.T) {
			errs := session(t, fault)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
				t.Errorf("errors = %v, want one containing %q", errs, want)
			}
		})
	}
	if errs := session(t, ""); len(errs) != 0 {
		t.Errorf("a good provider was faulted: %v", errs)
	}
}

func TestDetectsIgnoredTimeout(t *testing.T) {
	p := Start(t, testBinary, 0, "TESTPROVIDER_FAULT=ignore-ctx")
	_, err := checkTimeout(t, p, request, time.Second)
	if err == nil || !strings.Contains(err.Error(), "took") {
		t.Errorf("err = %v, want a complaint about the time taken", err)
	}
}

func TestDetectsBadDescribe(t *testing.T) {
	p := Start(t, testBinary, 0, "TESTPROVIDER_FAULT=bad-version")
	info, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkInfo(info); err == nil || !strings.Contains(err.Error(), "latest") {
		t.Errorf("checkInfo = %v", err)
	}
}

func TestDetectsMissingCookieCheck(t *testing.T) {
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
	p := Start(t, testBinary, 0)
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := p.run.cmd.Process.Signal(syscall.Signal(0)); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal after Kill: %v, want %v", err, os.ErrProcessDone)
	}
}
