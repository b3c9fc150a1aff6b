// Package spn serves the "spn" login mode: a service
// principal signs in with a client secret or certificate. Bearer tokens come
// from azidentity, PoP tokens from MSAL (azidentity cannot ask for them), and
// --legacy v1 tokens from the v1 endpoint (neither library speaks it).
package spn

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/providers/internal/settingcheck"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-spn serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against a TLS fake.
	httpClient *http.Client
	// retry replaces azcore's retry options for bearer tokens (zero: its
	// defaults, seconds of back-off) in this package's tests, which check
	// the final error and would otherwise wait through every retry.
	retry policy.RetryOptions
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "spn", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the spn login mode: a secret or a certificate, at least one.
var spec = sdk.ModeSpec{
	LoginMode:   "spn",
	Description: "a service principal with a client secret or certificate",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID),
		sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingAuthorityHost),
	},
	Credentials:        []sdk.CredentialKind{sdk.CredentialClientSecret, sdk.CredentialClientCertificate},
	CredentialRequired: true,
	Token:              sdk.TokenEntraID,
	Capabilities:       sdk.Capabilities{PoP: true, Legacy: true},
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	auth, err := authority.URL(req.AuthorityHost, req.TenantID)
	if err != nil {
		return nil, err
	}
	cred, err := loadCredential(req.Credentials)
	if err != nil {
		return nil, err
	}
	client := httpclient.Or(p.httpClient)
	sdk.Logger().Debug("requesting service principal token", "tenant", req.TenantID, "client", req.ClientID,
		"certificate", cred.cert != nil, "legacy", req.Legacy, "pop", req.PoP != nil)
	switch {
	case req.Legacy:
		return legacyToken(ctx, req, auth, cred, client)
	case req.PoP != nil:
		return popToken(ctx, req, auth, cred, client)
	default:
		return bearerToken(ctx, req, cred, client, p.retry)
	}
}

// validate names the flag or variable to set for each missing setting.
func validate(req *sdk.Request) error {
	c := req.Credentials
	if err := settingcheck.ClientAndTenant(req); err != nil {
		return err
	}
	switch {
	case c.ClientSecret == "" && c.ClientCertificatePath == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no client secret or certificate: set --client-secret, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET, or a certificate with --client-certificate")
	case req.Legacy && req.PoP != nil:
		return sdk.Errorf(sdk.CodeInvalidRequest, "PoP tokens cannot be requested with --legacy: v1 tokens are bearer tokens; drop one of --pop-enabled and --legacy")
	}
	return settingcheck.First(settingcheck.Target(req), settingcheck.PoPKey(req))
}
