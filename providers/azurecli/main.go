// Package azurecli serves the "azurecli" login mode: the
// account signed in to the Azure CLI gets the token, by running
// `az account get-access-token` through azidentity like upstream kubelogin.
// The Azure CLI keeps its own refresh tokens, so this provider returns no
// state; the host caches the access token and keys it on the CLI's profile,
// so `az login`, `az logout` and `az account set` take effect at once.
package azurecli

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/clierr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-azurecli serves.
func New() sdk.Provider { return provider{} }

type provider struct{}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "azurecli", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the azurecli login mode. az's profile records who is signed in
// and the default subscription; it is in $AZURE_CONFIG_DIR, else ~/.azure.
var spec = sdk.ModeSpec{
	LoginMode:   "azurecli",
	Description: "the account signed in to the Azure CLI (az login)",
	Settings:    []sdk.SettingSpec{sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingTenantID)},
	Args: []sdk.ProviderArg{
		{Name: "subscription", Description: "subscription az gets the token for (default: az's current one)"},
	},
	Token: sdk.TokenEntraID,
	InvalidationFiles: []sdk.InvalidationFile{
		{Paths: []string{"${AZURE_CONFIG_DIR}/azureProfile.json", "~/.azure/azureProfile.json"}},
	},
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
		return nil, cli.Classify(ctx, err)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn}, nil
}

// cli is how az's failures read to the user.
var cli = clierr.CLI{
	Name:        "the Azure CLI",
	Binary:      "az",
	Command:     "az account get-access-token",
	Login:       "az login",
	NotSignedIn: []string{"az login"},
	Prefix:      "AzureCLICredential: ",
}
