// Package msalflow runs the part of an MSAL user login that every public
// client mode shares: renew silently from the provider state when it can,
// and sign in only when it must. Each mode brings its own sign-in step
// (device code, browser, password) and its rule for which silent failures
// a sign-in can cure.
package msalflow

import (
	"context"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/msalcache"
	"github.com/kubelogin-dev/kubelogin/providers/internal/popscheme"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Flow is what differs between the MSAL user modes.
type Flow struct {
	// Username picks the account in the state to renew; "" takes any.
	Username string
	// PoP binds tokens to the host's key; nil asks for Bearer tokens. A
	// mode whose sign-in cannot bind tokens leaves it nil.
	PoP *sdk.PoPRequest
	// SignInAfter reports whether a failed silent renewal is one a sign-in
	// can cure; false returns the error to the host. Nil means
	// NeedsInteraction.
	SignInAfter func(*sdk.Error) bool
	// SignIn gets a token with the user's help. It receives the PoP scheme
	// option (nil without PoP) and returns errors ready for the host.
	SignIn func(ctx context.Context, app public.Client, pop []Option) (public.AuthResult, error)
}

// Option is MSAL's authentication scheme option, which the silent, browser
// and password calls all take.
type Option interface {
	public.AcquireSilentOption
	public.AcquireInteractiveOption
	public.AcquireByUsernamePasswordOption
}

// NeedsInteraction is the rule of the modes that cannot sign in without the
// user: sign in when the refresh needs MFA or conditional access, or when
// MSAL found nothing usable. invalid_grant is returned, not papered over:
// the host then drops the state and asks again, which is the contract for
// stale state.
func NeedsInteraction(e *sdk.Error) bool {
	return e.Code == sdk.CodeInteractionRequired || e.Code == sdk.CodeUnspecified
}

// Token reuses the signed-in account from the request's state when it can
// and falls back to f.SignIn when it must. The token's state is MSAL's
// cache after the call, whichever way the token came.
func Token(ctx context.Context, req *sdk.Request, authority string, client *http.Client, f Flow) (*sdk.Token, error) {
	app, blob, err := msalcache.PublicClient(req, authority, client)
	if err != nil {
		return nil, err
	}
	var pop []Option
	if f.PoP != nil {
		pop = []Option{public.WithAuthenticationScheme(popscheme.New(f.PoP.ReqCnf))}
	}
	res, ok, err := silent(ctx, app, req, blob, f, pop)
	if err != nil {
		return nil, err
	}
	if !ok {
		if res, err = f.SignIn(ctx, app, pop); err != nil {
			return nil, err
		}
	}
	tok := &sdk.Token{
		AccessToken: res.AccessToken,
		ExpiresAt:   res.ExpiresOn,
		State:       blob.Bytes(),
		Account:     res.Account.PreferredUsername,
	}
	return tok, nil
}

// silent serves a cached access token or redeems the refresh token, with no
// user. It reports false and no error when a sign-in is needed.
func silent(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob, f Flow, pop []Option) (public.AuthResult, bool, error) {
	acct, ok := msalcache.Account(ctx, app, blob, f.Username)
	if !ok {
		return public.AuthResult{}, false, nil
	}
	opts := []public.AcquireSilentOption{public.WithSilentAccount(acct)}
	for _, o := range pop {
		opts = append(opts, o)
	}
	res, err := app.AcquireTokenSilent(ctx, req.Scopes, opts...)
	if err == nil {
		return res, true, nil
	}
	e := entraerr.Classify(ctx, err)
	signInAfter := f.SignInAfter
	if signInAfter == nil {
		signInAfter = NeedsInteraction
	}
	if !signInAfter(e) {
		return public.AuthResult{}, false, e
	}
	if e.Code == sdk.CodeUnspecified {
		// MSAL found nothing usable in the cache, without asking Entra.
		sdk.Logger().Debug("no usable token in provider state; signing in", "error", e.Message)
	} else {
		sdk.Logger().Info("cannot renew from provider state; signing in", "error", e.Message)
	}
	return public.AuthResult{}, false, nil
}
