package azd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
	"github.com/kubelogin-dev/kubelogin/sdk/providertest"
)

var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-azd", "azd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// installAzd puts a fake azd first on PATH that logs its arguments to
// $AZD_CONFIG_DIR/args and behaves as script says.
func installAzd(t *testing.T, script string) (configDir string) {
	t.Helper()
	bin, cfg := t.TempDir(), t.TempDir()
	body := "#!/bin/sh\necho \"$*\" > \"$AZD_CONFIG_DIR/args\"\n" + script + "\n"
	if err := os.WriteFile(filepath.Join(bin, "azd"), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("AZD_CONFIG_DIR", cfg)
	return cfg
}

// fails makes the fake azd print lines on stderr, unaltered, and exit 1.
func fails(lines ...string) string {
	return "printf '%s\\n' '" + strings.Join(lines, "' '") + "' >&2; exit 1"
}

type noUI struct{}

func (noUI) Message(string) error            { return nil }
func (noUI) Progress(string) error           { return nil }
func (noUI) OpenURL(string, string) error    { return nil }
func (noUI) DeviceCode(sdk.DeviceCode) error { return nil }

func request() *sdk.Request {
	return &sdk.Request{LoginMode: "azd", Scopes: []string{"6dae/.default"}}
}

func TestGetToken(t *testing.T) {
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	ok := fmt.Sprintf(`echo '{"token":"tok","expiresOn":"%s"}'`, exp.Format(time.RFC3339))
	tests := []struct {
		name     string
		script   string
		mutate   func(*sdk.Request)
		wantArgs string
		wantCode sdk.ErrorCode
		wantMsg  string
	}{
		{name: "default tenant", script: ok, wantArgs: "auth token -o json --no-prompt --scope 6dae/.default"},
		{name: "tenant", script: ok, mutate: func(r *sdk.Request) { r.TenantID = "t1" },
			wantArgs: "auth token -o json --no-prompt --scope 6dae/.default --tenant-id t1"},
		{name: "not signed in", script: fails(`{"error":"not logged in, run ` + "`azd auth login`" + ` to login","message":"","suggestion":""}`),
			wantCode: sdk.CodeInvalidRequest, wantMsg: "the Azure Developer CLI is not signed in: run `azd auth login` and retry"},
		{name: "not signed in, azd before 1.23.7", script: fails(`{"type":"consoleMessage","data":{"message":"\nERROR: not logged in, run ` + "`azd auth login`" + ` to login\n"}}`),
			wantCode: sdk.CodeInvalidRequest, wantMsg: "run `azd auth login` and retry"},
		{name: "expired sign-in", script: fails(
			`{"type":"consoleMessage","data":{"message":"\nERROR: fetching token: AADSTS700082: The refresh token has expired due to inactivity. Trace ID: x\n"}}`,
			`{"type":"consoleMessage","data":{"message":"Suggestion: reauthentication required, run azd auth login to acquire a new token.\n"}}`),
			wantCode: sdk.CodeInvalidRequest, wantMsg: "AADSTS700082: The refresh token has expired due to inactivity. Run `azd auth login` again."},
		{name: "mfa required", script: fails(`{"error":"AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication. Trace ID: x","message":"Authentication with Azure failed.","suggestion":"Run 'azd auth login' to sign in again."}`),
			wantCode: sdk.CodeInvalidRequest, wantMsg: "Run `azd auth login` again."},
		{name: "unknown resource", script: fails(`{"error":"AADSTS500011: The resource principal named 6dae was not found in the tenant. Trace ID: x"}`),
			wantCode: sdk.CodeInvalidRequest, wantMsg: "AADSTS500011"},
		{name: "other failure", script: fails("ERROR: something odd"), wantCode: sdk.CodeUnspecified, wantMsg: "azd auth token failed: ERROR: something odd"},
		{name: "legacy", script: ok, mutate: func(r *sdk.Request) { r.Legacy = true }, wantCode: sdk.CodeInvalidRequest, wantMsg: "--legacy is not supported by azd"},
		{name: "pop", script: ok, mutate: func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{ReqCnf: "x"} }, wantCode: sdk.CodeInvalidRequest, wantMsg: "--pop-enabled is not supported by azd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := installAzd(t, tt.script)
			req := request()
			if tt.mutate != nil {
				tt.mutate(req)
			}
			tok, err := provider{}.GetToken(context.Background(), req, noUI{})
			if tt.wantMsg == "" {
				if err != nil || tok.AccessToken != "tok" || !tok.ExpiresAt.Equal(exp) || tok.State != nil {
					t.Fatalf("GetToken = %+v, %v", tok, err)
				}
				args, _ := os.ReadFile(filepath.Join(cfg, "args"))
				if strings.TrimSpace(string(args)) != tt.wantArgs {
					t.Fatalf("azd ran with %q, want %q", args, tt.wantArgs)
				}
				return
			}
			if sdk.CodeOf(err) != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v (%s), want %s containing %q on one line", err, sdk.CodeOf(err), tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := provider{}.GetToken(context.Background(), request(), noUI{})
	if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), "(azd) is not installed or not on PATH") {
		t.Fatalf("error %v", err)
	}
}

// TestHungAzd: a stuck azd must not outlive the host's timeout.
func TestHungAzd(t *testing.T) {
	installAzd(t, "exec sleep 30")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := provider{}.GetToken(ctx, request(), noUI{})
	if sdk.CodeOf(err) != sdk.CodeCancelled || time.Since(start) > 5*time.Second {
		t.Fatalf("error %v (%s) after %s", err, sdk.CodeOf(err), time.Since(start))
	}
}

func TestConformance(t *testing.T) {
	cfg := installAzd(t, `echo '{"token":"tok","expiresOn":"2100-01-01T00:00:00Z"}'`)
	providertest.Run(t, binary, providertest.Options{
		Env: []string{"PATH=" + os.Getenv("PATH"), "AZD_CONFIG_DIR=" + cfg},
		Cases: []providertest.Case{{Name: "token from azd", Request: request(), Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
			if r.Err != nil || r.Token.AccessToken != "tok" {
				t.Errorf("result %v, %v", r.Token, r.Err)
			}
		}}},
	})
}
