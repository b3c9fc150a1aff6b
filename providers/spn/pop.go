package spn

import (
	"context"
	"crypto/x509"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/popscheme"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// popToken asks MSAL for an access token bound to the host's key. The host
// holds the key and signs the PoP wrapper, so the raw token is returned.
func popToken(ctx context.Context, req *sdk.Request, auth string, cred credential, client *http.Client) (*sdk.Token, error) {
	opts := []confidential.Option{
		confidential.WithHTTPClient(client),
		confidential.WithInstanceDiscovery(!req.DisableInstanceDiscovery),
	}
	var mc confidential.Credential
	var err error
	if cred.cert != nil {
		mc, err = confidential.NewCredFromCert([]*x509.Certificate{cred.cert}, cred.key)
		opts = append(opts, confidential.WithX5C())
	} else {
		mc, err = confidential.NewCredFromSecret(cred.secret)
	}
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "service principal credential: %v", err)
	}
	app, err := confidential.New(auth, req.ClientID, mc, opts...)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidRequest, "authority %s: %v", auth, err)
	}
	res, err := app.AcquireTokenByCredential(ctx, req.Scopes, confidential.WithAuthenticationScheme(popscheme.New(req.PoP.ReqCnf)))
	if err != nil {
		return nil, entraerr.Classify(ctx, err)
	}
	return &sdk.Token{AccessToken: res.AccessToken, ExpiresAt: res.ExpiresOn, Account: req.ClientID}, nil
}
