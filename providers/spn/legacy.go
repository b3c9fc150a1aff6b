package spn

import (
	"context"
	"net/http"

	"github.com/kubelogin-dev/kubelogin/providers/internal/legacy"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// legacyToken gets a v1 token for req.Resource, whose audience keeps the
// "spn:" prefix that --legacy clusters expect.
func legacyToken(ctx context.Context, req *sdk.Request, auth string, cred credential, client *http.Client) (*sdk.Token, error) {
	c := &legacy.Client{HTTP: client, Authority: auth, ClientID: req.ClientID, Resource: req.Resource}
	var lc legacy.Credential = legacy.Secret(cred.secret)
	if cred.cert != nil {
		lc = legacy.Certificate{Cert: cred.cert, Key: cred.key}
	}
	t, err := c.ClientCredentials(ctx, lc)
	if err != nil {
		return nil, err
	}
	return &sdk.Token{AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt, Account: req.ClientID}, nil
}
