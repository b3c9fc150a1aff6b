package interactive

import (
	"context"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/providers/internal/msalflow"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// msalToken reuses the signed-in account from the state when it can and
// falls back to a browser sign-in when it must.
func msalToken(ctx context.Context, req *sdk.Request, auth string, client *http.Client, ui sdk.UI) (*sdk.Token, error) {
	return msalflow.Token(ctx, req, auth, client, msalflow.Flow{
		Username: req.LoginHint,
		PoP:      req.PoP,
		SignIn: func(ctx context.Context, app public.Client, pop []msalflow.Option) (public.AuthResult, error) {
			return signIn(ctx, app, req, ui, pop)
		},
	})
}

// signIn runs the authorization code flow. MSAL listens on loopback for the
// redirect and closes the listener when it returns, ctx ending included; the
// host opens the browser (and prints the URL) when asked through ui.
func signIn(ctx context.Context, app public.Client, req *sdk.Request, ui sdk.UI, pop []msalflow.Option) (public.AuthResult, error) {
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
	for _, o := range pop {
		opts = append(opts, o)
	}
	res, err := app.AcquireTokenInteractive(ctx, req.Scopes, opts...)
	if err != nil {
		return public.AuthResult{}, signInError(ctx, err, opened)
	}
	return res, nil
}
