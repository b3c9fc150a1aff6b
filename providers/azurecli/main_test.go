package azurecli

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
	bin, cleanup, err := providertest.Build("github.com/kubelogin-dev/kubelogin/cmd/kubelogin-provider-azurecli", "azurecli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// installAz puts a fake az first on PATH that logs its arguments to
// $AZURE_CONFIG_DIR/args and behaves as script says.
func installAz(t *testing.T, script string) (configDir string) {
	t.Helper()
	bin, cfg := t.TempDir(), t.TempDir()
	body := "#!/bin/sh\necho \"$*\" > \"$AZURE_CONFIG_DIR/args\"\n" + script + "\n"
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("AZURE_CONFIG_DIR", cfg)
	return cfg
}

type noUI struct{}

func (noUI) Message(string) error            { return nil }
func (noUI) Progress(string) error           { return nil }
func (noUI) OpenURL(string, string) error    { return nil }
func (noUI) DeviceCode(sdk.DeviceCode) error { return nil }

func request() *sdk.Request {
	return &sdk.Request{LoginMode: "azurecli", Scopes: []string{"6dae/.default"}}
}

func TestGetToken(t *testing.T) {
	exp := time.Now().Add(time.Hour).Unix()
	ok := fmt.Sprintf(`echo '{"accessToken":"tok","expires_on":%d,"tokenType":"Bearer"}'`, exp)
	tests := []struct {
		name     string
		script   string
		mutate   func(*sdk.Request)
		wantArgs string
		wantCode sdk.ErrorCode
		wantMsg  string
	}{
		{name: "default account", script: ok, wantArgs: "account get-access-token -o json --resource 6dae"},
		{name: "tenant and subscription", script: ok, mutate: func(r *sdk.Request) {
			r.TenantID = "t1"
			r.Extra = map[string]string{"subscription": "My Sub"}
		}, wantArgs: "account get-access-token -o json --resource 6dae --tenant t1 --subscription My Sub"},
		{name: "not signed in", script: `echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`, wantCode: sdk.CodeInvalidRequest, wantMsg: "run `az login`"},
		{name: "expired sign-in", script: `echo "ERROR: AADSTS700082: The refresh token has expired due to inactivity. Trace ID: x" >&2; exit 1`, wantCode: sdk.CodeInvalidRequest, wantMsg: "AADSTS700082: The refresh token has expired due to inactivity. Run `az login` again."},
		{name: "unknown resource", script: `echo "ERROR: AADSTS500011: The resource principal named 6dae was not found in the tenant. Trace" >&2; exit 1`, wantCode: sdk.CodeInvalidRequest, wantMsg: "AADSTS500011"},
		{name: "other failure", script: `echo "ERROR: something odd" >&2; exit 1`, wantCode: sdk.CodeUnspecified, wantMsg: "something odd"},
		{name: "legacy", script: ok, mutate: func(r *sdk.Request) { r.Legacy = true }, wantCode: sdk.CodeInvalidRequest, wantMsg: "--legacy"},
		{name: "pop", script: ok, mutate: func(r *sdk.Request) { r.PoP = &sdk.PoPRequest{ReqCnf: "x"} }, wantCode: sdk.CodeInvalidRequest, wantMsg: "--pop-enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := installAz(t, tt.script)
			req := request()
			if tt.mutate != nil {
				tt.mutate(req)
			}
			tok, err := provider{}.GetToken(context.Background(), req, noUI{})
			if tt.wantMsg == "" {
				if err != nil || tok.AccessToken != "tok" || tok.ExpiresAt.Unix() != exp || tok.State != nil {
					t.Fatalf("GetToken = %+v, %v", tok, err)
				}
				args, _ := os.ReadFile(filepath.Join(cfg, "args"))
				if strings.TrimSpace(string(args)) != tt.wantArgs {
					t.Fatalf("az ran with %q, want %q", args, tt.wantArgs)
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
	if sdk.CodeOf(err) != sdk.CodeInvalidRequest || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("error %v", err)
	}
}

func TestConformance(t *testing.T) {
	cfg := installAz(t, `echo '{"accessToken":"tok","expires_on":4102444800}'`)
	providertest.Run(t, binary, providertest.Options{
		Env: []string{"PATH=" + os.Getenv("PATH"), "AZURE_CONFIG_DIR=" + cfg},
		Cases: []providertest.Case{{Name: "token from az", Request: request(), Check: func(t *testing.T, _ *providertest.Provider, r providertest.Result) {
			if r.Err != nil || r.Token.AccessToken != "tok" {
				t.Errorf("result %v, %v", r.Token, r.Err)
			}
		}}},
	})
}
