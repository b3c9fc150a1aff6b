package devicecode

import (
	"context"
	"net/http"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/msalcache"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msalToken reuses the signed-in account from the state when it can and
// falls back to a device code sign-in when it must.
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
// prompt. It returns neither token nor error when a sign-in is needed.
// invalid_grant is returned, not papered over: the host then drops the
// state and asks again, which is the contract for stale state.
func silent(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob) (*sdk.Token, error) {
	acct, ok := msalcache.Account(ctx, app, blob, req.LoginHint)
	if !ok {
		return nil, nil
	}
	res, err := app.AcquireTokenSilent(ctx, req.Scopes, public.WithSilentAccount(acct))
	if err == nil {
		return result(res, blob), nil
	}
	e := entraerr.Classify(ctx, err)
	switch e.Code {
	case sdk.CodeInteractionRequired:
		// MFA or conditional access: a device code sign-in satisfies it.
		sdk.Logger().Info("refresh needs interaction; starting a device code sign-in", "error", e.Message)
		return nil, nil
	case sdk.CodeUnspecified:
		// MSAL found nothing usable in the cache, without asking Entra.
		sdk.Logger().Debug("no usable token in provider state", "error", e.Message)
		return nil, nil
	}
	return nil, e
}

// signIn runs the device code flow, showing the code through the host.
func signIn(ctx context.Context, app public.Client, req *sdk.Request, blob *msalcache.Blob, ui sdk.UI) (*sdk.Token, error) {
	dc, err := app.AcquireTokenByDeviceCode(ctx, req.Scopes)
	if err != nil {
		return nil, entraerr.Classify(ctx, err)
	}
	r := dc.Result
	if err := ui.DeviceCode(sdk.DeviceCode{VerificationURI: r.VerificationURL, UserCode: r.UserCode, ExpiresAt: r.ExpiresOn, Message: r.Message}); err != nil {
		return nil, entraerr.Classify(ctx, err)
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		// MSAL stops polling at the code's expiry with a deadline error.
		if ctx.Err() == nil && !time.Now().Before(r.ExpiresOn) {
			return nil, sdk.Errorf(sdk.CodeExpired, "the device code expired before sign-in completed")
		}
		return nil, entraerr.Classify(ctx, err)
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
