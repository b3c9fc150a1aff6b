// Package azurepipelines serves the "azurepipelines"
// login mode: inside an Azure Pipelines job, a service connection with
// workload identity federation signs in without a secret. The job's OIDC
// endpoint mints a federated token for the connection, and Entra ID
// exchanges it for an access token, as upstream kubelogin does.
package azurepipelines

import (
	"context"
	"net/http"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-azurepipelines serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against TLS fakes.
	httpClient *http.Client
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "azurepipelines", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the azurepipelines login mode.
var spec = sdk.ModeSpec{
	LoginMode:   "azurepipelines",
	Description: "an Azure Pipelines service connection with workload identity federation",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID),
		sdk.Accept(sdk.SettingAuthorityHost),
	},
	Args: []sdk.ProviderArg{
		{Name: "service_connection_id", Description: "id of the Azure Pipelines service connection to sign in with", Required: true},
	},
	Token: sdk.TokenEntraID,
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	job, err := jobOf(req)
	if err != nil {
		return nil, err
	}
	client := httpclient.Or(p.httpClient)
	sdk.Logger().Debug("requesting Azure Pipelines token", "tenant", req.TenantID, "client", req.ClientID,
		"service_connection", job.connectionID, "oidc_endpoint", job.oidcURL.Host)
	return exchange(ctx, req, job, client)
}
