package azurepipelines

import (
	"context"
	"net/http"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/azcall"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// exchange asks the job's OIDC endpoint for a federated token and trades
// it for an access token, both through azidentity like upstream kubelogin.
// A new credential per request means a fresh OIDC token every time: the
// host caches the access token, so nothing here keeps state.
func exchange(ctx context.Context, req *sdk.Request, j *job, client *http.Client) (*sdk.Token, error) {
	tr := azcall.NewTransport(client)
	// azidentity takes the job's OIDC endpoint only from this variable; the
	// host sends it in the request (it reads the job's variables, and drops
	// them under --disable-environment-override), so it is set from there.
	// A provider process serves one request at a time.
	if err := os.Setenv("SYSTEM_OIDCREQUESTURI", j.oidcURL.String()); err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "Azure Pipelines settings: %v", err)
	}
	cred, err := azidentity.NewAzurePipelinesCredential(req.TenantID, req.ClientID, j.connectionID, j.accessToken,
		&azidentity.AzurePipelinesCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: req.AuthorityHost},
				Transport: tr,
			},
			DisableInstanceDiscovery: req.DisableInstanceDiscovery,
		})
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "Azure Pipelines settings: %v", err)
	}
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: req.TenantID})
	if err != nil {
		return nil, j.classify(ctx, err, tr, req.ClientID)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, Account: req.ClientID}, nil
}
