// Package azd serves the "azd" login mode: the account
// signed in to the Azure Developer CLI gets the token, by running
// `azd auth token` through azidentity like upstream kubelogin. azd keeps its
// own refresh tokens, so this provider returns no state.
package azd

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/clierr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-azd serves.
func New() sdk.Provider { return provider{} }

type provider struct{}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "azd", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the azd login mode: azd signs in, so the host fingerprints azd's
// sign-in files (in $AZD_CONFIG_DIR, else ~/.azd) into the cache key and
// `azd auth login`/`logout` take effect on the next kubectl call.
var spec = sdk.ModeSpec{
	LoginMode:   "azd",
	Description: "the account signed in to the Azure Developer CLI (azd auth login)",
	Settings:    []sdk.SettingSpec{sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingTenantID)},
	Token:       sdk.TokenEntraID,
	InvalidationFiles: []sdk.InvalidationFile{
		{Paths: []string{"${AZD_CONFIG_DIR}/auth.json", "~/.azd/auth.json"}},
		{Paths: []string{"${AZD_CONFIG_DIR}/config.json", "~/.azd/config.json"}},
	},
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
		return nil, cli.Classify(ctx, err)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn}, nil
}

// cli is how azd's failures read to the user. azd says "not logged in, run
// `azd auth login` to login" (`azd login` before azd 1.0).
var cli = clierr.CLI{
	Name:        "the Azure Developer CLI",
	Binary:      "azd",
	Command:     "azd auth token",
	Login:       "azd auth login",
	NotSignedIn: []string{"not logged in"},
	Prefix:      "AzureDeveloperCLICredential: ",
}
