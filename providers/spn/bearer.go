package spn

import (
	"context"
	"crypto/x509"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/azcall"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// bearerToken is the everyday path, on azidentity like upstream kubelogin;
// retry is azcore's retry policy (zero: its defaults).
func bearerToken(ctx context.Context, req *sdk.Request, cred credential, client *http.Client, retry policy.RetryOptions) (*sdk.Token, error) {
	tr := azcall.NewTransport(client)
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: req.AuthorityHost},
		Transport: tr,
		Retry:     retry,
	}
	var tc azcore.TokenCredential
	var err error
	if cred.cert != nil {
		tc, err = azidentity.NewClientCertificateCredential(req.TenantID, req.ClientID, []*x509.Certificate{cred.cert}, cred.key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: req.DisableInstanceDiscovery, SendCertificateChain: true})
	} else {
		tc, err = azidentity.NewClientSecretCredential(req.TenantID, req.ClientID, cred.secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: req.DisableInstanceDiscovery})
	}
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "service principal settings: %v", err)
	}
	at, err := tc.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: req.TenantID})
	if err != nil {
		return nil, azcall.Classify(ctx, err, tr)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, Account: req.ClientID}, nil
}
