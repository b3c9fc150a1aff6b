package workloadidentity

import (
	"context"
	"net/http"
	"slices"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/azcall"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// exchange trades the federated token for an access token, on azidentity
// like upstream kubelogin.
func exchange(ctx context.Context, req *sdk.Request, assertion string, src federatedToken, client *http.Client) (*sdk.Token, error) {
	tr := azcall.NewTransport(client)
	cred, err := azidentity.NewClientAssertionCredential(req.TenantID, req.ClientID,
		func(context.Context) (string, error) { return assertion, nil },
		&azidentity.ClientAssertionCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: req.AuthorityHost},
				Transport: tr,
			},
			DisableInstanceDiscovery: req.DisableInstanceDiscovery,
		})
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "workload identity settings: %v", err)
	}
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: req.TenantID})
	if err != nil {
		return nil, explain(azcall.Classify(ctx, err, tr), src)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, Account: req.ClientID}, nil
}

// noFederationRecord are Entra's replies when no federated identity
// credential of the application matches the token's issuer, subject or
// audience.
var noFederationRecord = []int64{70021, 700211, 700212, 700213}

// explain adds what only this mode knows: which token to renew, and where
// a federation mismatch must be fixed.
func explain(e *sdk.Error, src federatedToken) *sdk.Error {
	hint := ""
	switch {
	case e.Code == sdk.CodeExpired:
		hint = src.expired()
	case slices.ContainsFunc(e.AADSTS, func(n int64) bool { return slices.Contains(noFederationRecord, n) }):
		hint = "The " + src.String() + " does not match a federated identity credential of the application: check its issuer, subject and audience (" + tokenExchangeAudience + ")"
	default:
		return e
	}
	return &sdk.Error{Code: e.Code, Message: e.Message + " " + hint, AADSTS: e.AADSTS}
}
