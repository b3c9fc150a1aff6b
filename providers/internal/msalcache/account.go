package msalcache

import (
	"context"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/kubelogin-dev/kubelogin/sdk"
)

// Account finds the signed-in account in the state that matches username
// (any account when username is empty), for a silent renewal. State MSAL
// cannot read is dropped with a warning: the caller then signs in afresh.
func Account(ctx context.Context, app public.Client, b *Blob, username string) (public.Account, bool) {
	if len(b.Bytes()) == 0 {
		return public.Account{}, false
	}
	accounts, err := app.Accounts(ctx)
	if err != nil {
		sdk.Logger().Warn("provider state is unreadable; signing in afresh", "error", err)
		b.Reset()
		return public.Account{}, false
	}
	for _, a := range accounts {
		if username == "" || strings.EqualFold(a.PreferredUsername, username) {
			return a, true
		}
	}
	sdk.Logger().Debug("provider state holds no account for this user; signing in afresh", "user", username)
	return public.Account{}, false
}
