// Package workloadidentity serves the "workloadidentity"
// login mode: an application signs in with a federated token from another
// issuer instead of a secret. The token comes from a file (in a pod, the
// projected service account token named by AZURE_FEDERATED_TOKEN_FILE) or,
// inside a GitHub Actions job, from the job's OIDC endpoint, as upstream
// kubelogin does.
package workloadidentity

import (
	"context"
	"net/http"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-workloadidentity serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against TLS fakes.
	httpClient *http.Client
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "workloadidentity", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the workloadidentity login mode. The federated token file is not
// required: inside a GitHub Actions job the job's OIDC endpoint replaces it.
var spec = sdk.ModeSpec{
	LoginMode:   "workloadidentity",
	Description: "a federated token from a file or a GitHub Actions job instead of a secret",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID),
		sdk.Accept(sdk.SettingAuthorityHost), sdk.Accept(sdk.SettingFederatedTokenFile),
	},
	Token: sdk.TokenEntraID,
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	client := httpclient.Or(p.httpClient)
	var src federatedToken = tokenFile(req.Credentials.FederatedTokenFile)
	gh, onGitHub := githubFromRequest(client, req.Credentials)
	if onGitHub {
		src = gh
	}
	if err := validate(req, onGitHub); err != nil {
		return nil, err
	}
	sdk.Logger().Debug("requesting workload identity token", "tenant", req.TenantID, "client", req.ClientID, "source", src.String())
	// Read before the credential is built: every request builds a new
	// credential, so a rotated file is always picked up, and a missing
	// token fails before any traffic with its own classified error
	// (azidentity flattens an assertion callback's error into text).
	assertion, err := src.read(ctx)
	if err != nil {
		return nil, err
	}
	return exchange(ctx, req, assertion, src, client)
}

// validate names the flag or variable to set for each missing setting.
func validate(req *sdk.Request, github bool) error {
	switch {
	case req.Legacy:
		return sdk.Errorf(sdk.CodeInvalidRequest, "login mode workloadidentity does not support --legacy: federated credentials get v2 tokens only; remove --legacy")
	case req.PoP != nil:
		return sdk.Errorf(sdk.CodeInvalidRequest, "login mode workloadidentity does not support PoP tokens: remove --pop-enabled and --pop-claims")
	case req.ClientID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client ID: set --client-id or AZURE_CLIENT_ID")
	case req.TenantID == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no tenant ID: set --tenant-id or AZURE_TENANT_ID")
	case !github && req.Credentials.FederatedTokenFile == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no federated token file: set --federated-token-file or AZURE_FEDERATED_TOKEN_FILE")
	case len(req.Scopes) == 0:
		return sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	_, err := authority.URL(req.AuthorityHost, req.TenantID)
	return err
}
