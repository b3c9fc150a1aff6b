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
	return sdk.Info{Name: "test", Version: v, LoginModes: []string{"test"}}
}

func (provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	sdk.Logger().Debug("get token", "tenant", req.TenantID)
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
	return &sdk.Token{AccessToken: "at", ExpiresAt: time.Now().Add(time.Hour), TokenType: "Bearer"}, nil
}

func main() { sdk.Serve(provider{}) }
