// Command kubelogin-provider-azd serves the "azd" login mode: the account
// signed in to the Azure Developer CLI gets the token, by running
// `azd auth token` through azidentity like upstream kubelogin. azd keeps its
// own refresh tokens, so this provider returns no state.
package main

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() { sdk.Serve(provider{}) }

type provider struct{}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "azd", Version: version, LoginModes: []string{"azd"}}
}

// GetToken runs azd for the kubeconfig's tenant, or azd's own default when
// none is named. The environment the host passes includes PATH and
// AZD_CONFIG_DIR, which is all azd needs to find its sign-in.
func (provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	switch {
	case req.Legacy:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "--legacy is not supported by azd: remove it")
	case req.PoP != nil:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "--pop-enabled is not supported by azd: remove it")
	case len(req.Scopes) != 1:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	cred, err := azidentity.NewAzureDeveloperCLICredential(&azidentity.AzureDeveloperCLICredentialOptions{TenantID: req.TenantID})
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "azure developer cli settings: %v", err)
	}
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: req.TenantID})
	if err != nil {
		return nil, classify(ctx, err)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, TokenType: "Bearer"}, nil
}

// classify turns what azd printed (azidentity already picked the message out
// of azd's JSON on stderr) into one line that says what to do.
func classify(ctx context.Context, err error) *sdk.Error {
	if ctx.Err() != nil {
		return entraerr.Cancelled(ctx)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "executable not found"):
		return sdk.Errorf(sdk.CodeInvalidRequest, "the Azure Developer CLI (azd) is not installed or not on PATH: install it, or use another login mode")
	case strings.Contains(msg, "not logged in"):
		// azd's ErrNoCurrentUser: "not logged in, run `azd auth login` to login"
		// (`azd login` before azd 1.0).
		return sdk.Errorf(sdk.CodeInvalidRequest, "the Azure Developer CLI is not signed in: run `azd auth login` and retry")
	}
	if e := entraerr.FromText(msg); e != nil {
		if e.Code == sdk.CodeInvalidGrant || e.Code == sdk.CodeInteractionRequired {
			// The sign-in to renew is azd's own, not kubelogin's.
			return &sdk.Error{Code: sdk.CodeInvalidRequest, Message: e.Message + " Run `azd auth login` again.", AADSTS: e.AADSTS}
		}
		return e
	}
	return sdk.Errorf(sdk.CodeUnspecified, "azd auth token failed: %s", firstLine(msg))
}

// firstLine drops azidentity's credential prefix and troubleshooting link,
// which name the SDK rather than what the user should do.
func firstLine(s string) string {
	s = strings.TrimPrefix(s, "AzureDeveloperCLICredential: ")
	if i := strings.Index(s, "To troubleshoot, visit"); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}
