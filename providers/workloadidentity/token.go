package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// exchange trades the federated token for an access token, on azidentity
// like upstream kubelogin.
func exchange(ctx context.Context, req *sdk.Request, assertion string, src federatedToken, client *http.Client) (*sdk.Token, error) {
	tr := &recordingTransport{client: client}
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
		return nil, explain(classify(ctx, err, tr.failure()), src)
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, TokenType: "Bearer", Account: req.ClientID}, nil
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

// classify reads Entra's reply out of azidentity's error. azidentity keeps
// only the text of transport failures, so those are taken from the
// transport itself to keep their type (network, proxy, TLS).
func classify(ctx context.Context, err, transportErr error) *sdk.Error {
	if ctx.Err() != nil {
		return entraerr.Cancelled(ctx)
	}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		body, _ := runtime.Payload(afe.RawResponse)
		return entraerr.FromResponse(afe.RawResponse.StatusCode, body)
	}
	if transportErr != nil {
		return entraerr.Classify(ctx, transportErr)
	}
	return entraerr.Classify(ctx, err)
}

// recordingTransport remembers the last transport failure azidentity saw.
type recordingTransport struct {
	client *http.Client
	mu     sync.Mutex
	err    error
}

func (t *recordingTransport) Do(r *http.Request) (*http.Response, error) {
	resp, err := t.client.Do(r)
	if err != nil {
		t.mu.Lock()
		t.err = err
		t.mu.Unlock()
	}
	return resp, err
}

func (t *recordingTransport) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
