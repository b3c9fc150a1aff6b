// Package interactive serves the "interactive" login
// mode: the user signs in in a web browser (authorization code flow with
// PKCE) and MSAL receives the answer on a loopback listener. The provider
// never starts a browser itself: it asks the host to open the URL, and the
// host also prints it for users without one. The MSAL token cache travels
// to the host as provider state, so later runs refresh without a browser.
package interactive

import (
	"context"
	"net"
	"net/http"
	"net/url"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/providers/internal/settingcheck"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-interactive serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against the Entra ID emulator.
	httpClient *http.Client
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "interactive", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the interactive login mode.
var spec = sdk.ModeSpec{
	LoginMode:   "interactive",
	Description: "sign in in a web browser on this machine",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID),
		sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingAuthorityHost),
		sdk.Accept(sdk.SettingLoginHint), sdk.Accept(sdk.SettingRedirectURL),
	},
	Token:        sdk.TokenEntraID,
	Capabilities: sdk.Capabilities{Interactive: true, PoP: true, Stateful: true},
}

// GetToken needs no terminal: the sign-in happens in a browser, and the host
// prints the URL for whoever reads its stderr.
func (p provider) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	auth, err := authority.URL(req.AuthorityHost, req.TenantID)
	if err != nil {
		return nil, err
	}
	client := httpclient.Or(p.httpClient)
	sdk.Logger().Debug("requesting user token", "tenant", req.TenantID, "client", req.ClientID,
		"pop", req.PoP != nil, "login_hint", req.LoginHint, "state", len(req.State) > 0)
	return msalToken(ctx, req, auth, client, ui)
}

// validate names the flag to set for each missing or unusable setting.
func validate(req *sdk.Request) error {
	if req.Legacy {
		return sdk.Errorf(sdk.CodeInvalidRequest, "the interactive login mode cannot request --legacy (v1) tokens: drop --legacy or use -l devicecode")
	}
	if err := settingcheck.First(settingcheck.ClientAndTenant(req), settingcheck.Target(req), settingcheck.PoPKey(req)); err != nil {
		return err
	}
	return validateRedirect(req.RedirectURL)
}

// validateRedirect accepts only http loopback URLs: MSAL listens on
// localhost at the URL's port (any port when none is given), so any other
// host could never receive the browser's answer.
func validateRedirect(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err == nil && u.Scheme == "http" && loopback(u.Hostname()) {
		return nil
	}
	return sdk.Errorf(sdk.CodeInvalidRequest, "--redirect-url %q is not an http loopback URL such as http://localhost:8400", raw)
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
