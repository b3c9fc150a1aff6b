package devicecode

import (
	"context"
	"net/http"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/entraerr"
	"github.com/kubelogin-dev/kubelogin/providers/internal/msalflow"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msalToken reuses the signed-in account from the state when it can and
// falls back to a device code sign-in when it must. MSAL's device code flow
// cannot bind PoP tokens, and the mode declares no PoP.
func msalToken(ctx context.Context, req *sdk.Request, auth string, client *http.Client, ui sdk.UI) (*sdk.Token, error) {
	return msalflow.Token(ctx, req, auth, client, msalflow.Flow{
		Username: req.LoginHint,
		SignIn: func(ctx context.Context, app public.Client, _ []msalflow.Option) (public.AuthResult, error) {
			return signIn(ctx, app, req, ui)
		},
	})
}

// signIn runs the device code flow, showing the code through the host.
func signIn(ctx context.Context, app public.Client, req *sdk.Request, ui sdk.UI) (public.AuthResult, error) {
	dc, err := app.AcquireTokenByDeviceCode(ctx, req.Scopes)
	if err != nil {
		return public.AuthResult{}, entraerr.Classify(ctx, err)
	}
	r := dc.Result
	if err := ui.DeviceCode(sdk.DeviceCode{VerificationURI: r.VerificationURL, UserCode: r.UserCode, ExpiresAt: r.ExpiresOn, Message: r.Message}); err != nil {
		return public.AuthResult{}, entraerr.Classify(ctx, err)
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		// MSAL stops polling at the code's expiry with a deadline error.
		if ctx.Err() == nil && !time.Now().Before(r.ExpiresOn) {
			return public.AuthResult{}, sdk.Errorf(sdk.CodeExpired, "the device code expired before sign-in completed")
		}
		return public.AuthResult{}, entraerr.Classify(ctx, err)
	}
	return res, nil
}
