package ropc

import (
	"context"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/msalflow"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msalToken renews the token from the state when it can, so the password
// is sent only for the first sign-in or when the refresh token is gone.
func msalToken(ctx context.Context, req *sdk.Request, auth string, client *http.Client) (*sdk.Token, error) {
	tok, err := msalflow.Token(ctx, req, auth, client, msalflow.Flow{
		Username:    req.Credentials.Username,
		PoP:         req.PoP,
		SignInAfter: renewWithPassword,
		SignIn: func(ctx context.Context, app public.Client, pop []msalflow.Option) (public.AuthResult, error) {
			return signIn(ctx, app, req, pop)
		},
	})
	if tok != nil && tok.Account == "" {
		tok.Account = req.Credentials.Username
	}
	return tok, err
}

// renewWithPassword signs in with the password after any failed renewal but
// cancellation or an unreachable Entra ID, where the password grant would
// wait or fail the same way. Unlike devicecode it does not pass
// invalid_grant to the host: the password is at hand, so an expired or
// revoked refresh token is renewed here, as upstream kubelogin does, without
// the host's "signing in again" notice.
func renewWithPassword(e *sdk.Error) bool {
	return e.Code != sdk.CodeCancelled && e.Code != sdk.CodeUnavailable
}

// signIn sends the username and password to Entra ID.
func signIn(ctx context.Context, app public.Client, req *sdk.Request, pop []msalflow.Option) (public.AuthResult, error) {
	var opts []public.AcquireByUsernamePasswordOption
	for _, o := range pop {
		opts = append(opts, o)
	}
	c := req.Credentials
	//lint:ignore SA1019 MSAL deprecates ROPC, but it is this login mode; upstream kubelogin makes the same call
	res, err := app.AcquireTokenByUsernamePassword(ctx, req.Scopes, c.Username, c.Password, opts...)
	if err != nil {
		return public.AuthResult{}, passwordError(ctx, err)
	}
	return res, nil
}
