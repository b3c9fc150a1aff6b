// Command testprovider is a provider for providertest's own tests. With
// TESTPROVIDER_FAULT set it breaks one rule of the contract, so the tests
// can show that the kit catches it.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

var (
	fault     = os.Getenv("TESTPROVIDER_FAULT")
	rawStderr = os.Stderr // the process's stderr, before go-plugin redirects os.Stderr
)

type provider struct{}

func (provider) Describe() sdk.Info {
	v := "1.2.3"
	if fault == "bad-version" {
		v = "latest"
	}
	spec := sdk.ModeSpec{
		LoginMode:          "test",
		Description:        "a provider for the kit's own tests",
		Settings:           []sdk.SettingSpec{sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID)},
		Credentials:        []sdk.CredentialKind{sdk.CredentialClientSecret},
		CredentialRequired: true,
		Token:              sdk.TokenOpaque,
	}
	if fault == "bad-spec" {
		spec.Token = sdk.TokenUnspecified
	}
	return sdk.Info{Name: "test", Version: v, Modes: []sdk.ModeSpec{spec}}
}

// validate refuses what the spec requires, unless the fault is to accept it.
func validate(req *sdk.Request) error {
	if fault == "accepts-incomplete" {
		return nil
	}
	switch {
	case req.ClientID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client ID: set --client-id")
	case req.TenantID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no tenant ID: set --tenant-id")
	case req.Credentials.ClientSecret == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client secret: set --client-secret")
	}
	return nil
}

func (provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	sdk.Logger().Debug("get token", "tenant", req.TenantID)
	if err := validate(req); err != nil {
		return nil, err
	}
	switch fault {
	case "stdout":
		fmt.Println("token: oops")
	case "raw-stderr":
		fmt.Fprintln(rawStderr, "plain text on stderr")
	case "leak-secret":
		return nil, sdk.Errorf(sdk.CodeInvalidClient, "bad secret %s", req.Credentials.ClientSecret)
	case "ignore-ctx":
		time.Sleep(10 * time.Second)
		return nil, sdk.Errorf(sdk.CodeUnavailable, "gave up")
	}
	if req.AuthorityHost != "" {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, req.AuthorityHost+"token", nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, sdk.Errorf(sdk.CodeCancelled, "cancelled")
			}
			return nil, sdk.Errorf(sdk.CodeUnavailable, "%v", err)
		}
		resp.Body.Close()
	}
	if err := ui.Message("hello"); err != nil {
		return nil, err
	}
	tok := &sdk.Token{AccessToken: "at", ExpiresAt: time.Now().Add(time.Hour)}
	if fault == "no-expiry" {
		tok.ExpiresAt = time.Time{}
	}
	return tok, nil
}

func main() { sdk.Serve(provider{}) }
