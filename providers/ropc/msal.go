package ropc

import (
	"context"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/msalcache"
	"github.com/kubelogin-dev/kubelogin/providers/internal/popscheme"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msalToken renews the token from the state when it can, so the password
// is sent only for the first sign-in or when the refresh token is gone.
func msalToken(ctx context.Context, req *sdk.Request, auth string, client *http.Client) (*sdk.Token, error) {
	app, blob, err := msalcache.PublicClient(req, auth, client)
	if err != nil {
		return nil, err
	}
	tok, err := silent(ctx, app, req, blob)
	if tok != nil || err != nil {
		return tok, err
	}
	return signIn(ctx, app, req, blob)
}

// silent serves MSAL's cached access token or redeems the refresh token of
// the account signed in as the username. It returns neither token nor
// error when the password is needed. Unlike devicecode it does not pass
// invalid_grant to the host: the password is at hand, so an expired or
// revoked refresh token is renewed here, as upstream kubelogin does, without
// the host's "signing in again" notice.
func silent(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob) (*sdk.Token, error) {
	acct, ok := msalcache.Account(ctx, app, blob, req.Credentials.Username)
	if !ok {
		return nil, nil
	}
	opts := []public.AcquireSilentOption{public.WithSilentAccount(acct)}
	if req.PoP != nil {
		opts = append(opts, public.WithAuthenticationScheme(popscheme.New(req.PoP.ReqCnf)))
	}
	res, err := app.AcquireTokenSilent(ctx, req.Scopes, opts...)
	if err == nil {
		return result(res, req, blob), nil
	}
	e := entraerr.Classify(ctx, err)
	switch e.Code {
	case sdk.CodeCancelled, sdk.CodeUnavailable:
		// The password grant would wait or fail the same way.
		return nil, e
	}
	sdk.Logger().Info("cannot renew from provider state; signing in with the password", "error", e.Message)
	return nil, nil
}

// signIn sends the username and password to Entra ID.
func signIn(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob) (*sdk.Token, error) {
	var opts []public.AcquireByUsernamePasswordOption
	if req.PoP != nil {
		opts = append(opts, public.WithAuthenticationScheme(popscheme.New(req.PoP.ReqCnf)))
	}
	c := req.Credentials
	//lint:ignore SA1019 MSAL deprecates ROPC, but it is this login mode; upstream kubelogin makes the same call
	res, err := app.AcquireTokenByUsernamePassword(ctx, req.Scopes, c.Username, c.Password, opts...)
	if err != nil {
		return nil, passwordError(ctx, err)
	}
	return result(res, req, blob), nil
}

func result(res public.AuthResult, req *sdk.Request, blob *msalcache.Blob) *sdk.Token {
	tok := &sdk.Token{
		AccessToken: res.AccessToken,
		ExpiresAt:   res.ExpiresOn,
		State:       blob.Bytes(),
		Account:     res.Account.PreferredUsername,
	}
	if tok.Account == "" {
		tok.Account = req.Credentials.Username
	}
	return tok
}
