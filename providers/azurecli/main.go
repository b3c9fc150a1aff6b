// Command kubelogin-provider-azurecli serves the "azurecli" login mode: the
// account signed in to the Azure CLI gets the token, by running
// `az account get-access-token` through azidentity like upstream kubelogin.
// The Azure CLI keeps its own refresh tokens, so this provider returns no
// state; the host caches the access token and keys it on the CLI's profile,
// so `az login`, `az logout` and `az account set` take effect at once.
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
	return sdk.Info{Name: "azurecli", Version: version, LoginModes: []string{"azurecli"}}
}

// GetToken runs az with the tenant and subscription the kubeconfig names.
// The environment the host passes includes PATH and AZURE_CONFIG_DIR, which
// is all az needs to find its sign-in.
func (provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	switch {
	case req.Legacy:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "--legacy is not supported by azurecli: remove it")
	case req.PoP != nil:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "--pop-enabled is not supported by azurecli: remove it")
	case len(req.Scopes) != 1:
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	cred, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{
		TenantID:     req.TenantID,
		Subscription: req.Extra["subscription"],
	})
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "azure cli settings: %v", err)
	}
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: req.TenantID})
	if err != nil {
		return nil, classify(ctx, err)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, TokenType: "Bearer"}, nil
}

// classify turns what az printed into one line that says what to do.
func classify(ctx context.Context, err error) *sdk.Error {
	if ctx.Err() != nil {
		return entraerr.Cancelled(ctx)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "executable not found"):
		return sdk.Errorf(sdk.CodeInvalidRequest, "the Azure CLI (az) is not installed or not on PATH: install it, or use another login mode")
	case strings.Contains(msg, "az login"):
		return sdk.Errorf(sdk.CodeInvalidRequest, "the Azure CLI is not signed in: run `az login` and retry")
	}
	if e := entraerr.FromText(msg); e != nil {
		if e.Code == sdk.CodeInvalidGrant || e.Code == sdk.CodeInteractionRequired {
			// The sign-in to renew is az's own, not kubelogin's.
			return &sdk.Error{Code: sdk.CodeInvalidRequest, Message: e.Message + " Run `az login` again.", AADSTS: e.AADSTS}
		}
		return e
	}
	return sdk.Errorf(sdk.CodeUnspecified, "az account get-access-token failed: %s", firstLine(msg))
}

func firstLine(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "AzureCLICredential: "))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
