package main

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// bearerToken is the everyday path, on azidentity like upstream kubelogin.
func bearerToken(ctx context.Context, req *sdk.Request, cred credential, client *http.Client) (*sdk.Token, error) {
	tr := &recordingTransport{client: client}
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: req.AuthorityHost},
		Transport: tr,
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
		return nil, classify(ctx, err, tr.failure())
	}
	return &sdk.Token{AccessToken: at.Token, ExpiresAt: at.ExpiresOn, TokenType: "Bearer", Account: req.ClientID}, nil
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
