// Package msi serves the "msi" login mode: the managed
// identity of the Azure resource this runs on (VM, App Service, Arc, Cloud
// Shell) gets the token, through azidentity like upstream kubelogin. The
// endpoint is found from the environment azidentity reads (IDENTITY_ENDPOINT,
// IDENTITY_HEADER, IMDS_ENDPOINT, MSI_ENDPOINT, MSI_SECRET), else IMDS.
package msi

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-msi serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against a TLS fake and must never reach IMDS.
	httpClient *http.Client
	// retry replaces azcore's retry options (zero: its defaults, seconds of
	// back-off) in this package's tests, which check the final error and
	// would otherwise wait through every retry of a failing endpoint.
	retry policy.RetryOptions
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "msi", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the msi login mode: --client-id names a user-assigned identity,
// else --identity-resource-id does, else the system-assigned one is used.
// The managed identity endpoints ignore the cloud, so no authority is taken.
var spec = sdk.ModeSpec{
	LoginMode:   "msi",
	Description: "the managed identity of the Azure resource this runs on",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Accept(sdk.SettingClientID), sdk.Accept(sdk.SettingIdentityResourceID),
	},
	Token: sdk.TokenEntraID,
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	client := httpclient.Or(p.httpClient)
	id := selectIdentity(req)
	source, err := managedidentity.GetSource()
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "managed identity environment: %v", err)
	}
	sdk.Logger().Debug("requesting managed identity token", "identity", id.String(), "source", string(source))
	if source == managedidentity.DefaultToIMDS {
		if err := probeIMDS(ctx, client); err != nil {
			return nil, err
		}
	}
	tr := &recordingTransport{client: client}
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			// IMDS and its kin ignore the cloud; passed as upstream does.
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: req.AuthorityHost},
			Transport: tr,
			Retry:     p.retry,
		},
		ID: id.azID,
	})
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "%s on %s: %v", id, source, err)
	}
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes[:1]})
	if err != nil {
		return nil, classify(ctx, id, err, tr.outcome())
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, Account: id.account}, nil
}

// validate refuses what a managed identity cannot give, naming the flag to
// drop: the host would otherwise expect an "spn:" audience or a PoP token.
func validate(req *sdk.Request) error {
	switch {
	case req.Legacy:
		return sdk.Errorf(sdk.CodeInvalidRequest, "--legacy is not supported by msi: remove it")
	case req.PoP != nil:
		return sdk.Errorf(sdk.CodeInvalidRequest, "--pop-enabled is not supported by msi: remove --pop-enabled and --pop-claims")
	case len(req.Scopes) == 0:
		return sdk.Errorf(sdk.CodeInvalidRequest, "no scope to request: set --server-id")
	}
	return nil
}
