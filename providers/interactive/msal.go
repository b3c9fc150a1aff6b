package interactive

import (
	"context"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/msalcache"
	"github.com/kubelogin-dev/kubelogin/providers/internal/popscheme"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msalToken reuses the signed-in account from the state when it can and
// falls back to a browser sign-in when it must.
func msalToken(ctx context.Context, req *sdk.Request, auth string, client *http.Client, ui sdk.UI) (*sdk.Token, error) {
	app, blob, err := msalcache.PublicClient(req, auth, client)
	if err != nil {
		return nil, err
	}
	tok, err := silent(ctx, app, req, blob)
	if tok != nil || err != nil {
		return tok, err
	}
	return signIn(ctx, app, req, blob, ui)
}

// silent serves a cached access token or redeems the refresh token, with no
// browser. It returns neither token nor error when a sign-in is needed.
// invalid_grant is returned, not papered over: the host then drops the
// state and asks again, which is the contract for stale state.
func silent(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob) (*sdk.Token, error) {
	acct, ok := msalcache.Account(ctx, app, blob, req.LoginHint)
	if !ok {
		return nil, nil
	}
	opts := []public.AcquireSilentOption{public.WithSilentAccount(acct)}
	if req.PoP != nil {
		opts = append(opts, public.WithAuthenticationScheme(popscheme.New(req.PoP.ReqCnf)))
	}
	res, err := app.AcquireTokenSilent(ctx, req.Scopes, opts...)
	if err == nil {
		return result(res, blob), nil
	}
	e := entraerr.Classify(ctx, err)
	switch e.Code {
	case sdk.CodeInteractionRequired:
		// MFA or conditional access: the browser sign-in satisfies it.
		sdk.Logger().Info("refresh needs interaction; signing in in the browser", "error", e.Message)
		return nil, nil
	case sdk.CodeUnspecified:
		// MSAL found nothing usable in the cache, without asking Entra.
		sdk.Logger().Debug("no usable token in provider state", "error", e.Message)
		return nil, nil
	}
	return nil, e
}

// signIn runs the authorization code flow. MSAL listens on loopback for the
// redirect and closes the listener when it returns, ctx ending included; the
// host opens the browser (and prints the URL) when asked through ui.
func signIn(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob, ui sdk.UI) (*sdk.Token, error) {
	opened := false
	opts := []public.AcquireInteractiveOption{
		public.WithLoginHint(req.LoginHint),
		public.WithRedirectURI(req.RedirectURL),
		public.WithOpenURL(func(u string) error {
			if err := ui.OpenURL(u, "sign in"); err != nil {
				return err
			}
			opened = true
			return nil
		}),
	}
	if req.PoP != nil {
		opts = append(opts, public.WithAuthenticationScheme(popscheme.New(req.PoP.ReqCnf)))
	}
	res, err := app.AcquireTokenInteractive(ctx, req.Scopes, opts...)
	if err != nil {
		return nil, signInError(ctx, err, opened)
	}
	return result(res, blob), nil
}

func result(res public.AuthResult, blob *msalcache.Blob) *sdk.Token {
	return &sdk.Token{
		AccessToken: res.AccessToken,
		ExpiresAt:   res.ExpiresOn,
		State:       blob.Bytes(),
		Account:     res.Account.PreferredUsername,
	}
}
