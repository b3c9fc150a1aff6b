// Package azd serves the "azd" login mode: the account
// signed in to the Azure Developer CLI gets the token, by running
// `azd auth token` through azidentity like upstream kubelogin. azd keeps its
// own refresh tokens, so this provider returns no state.
package azd

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/clicred"
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
	return cli.Token(ctx, req, func(req *sdk.Request) (azcore.TokenCredential, error) {
		return azidentity.NewAzureDeveloperCLICredential(&azidentity.AzureDeveloperCLICredentialOptions{TenantID: req.TenantID})
	})
}

// cli is how azd's failures read to the user. azd says "not logged in, run
// `azd auth login` to login" (`azd login` before azd 1.0).
var cli = clicred.CLI{
	Mode:        "azd",
	Name:        "the Azure Developer CLI",
	Binary:      "azd",
	Command:     "azd auth token",
	Login:       "azd auth login",
	NotSignedIn: []string{"not logged in"},
	Prefix:      "AzureDeveloperCLICredential: ",
}
