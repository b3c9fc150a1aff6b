// Package devicecode serves the "devicecode" login mode:
// the user signs in on any device with a browser by entering a code. The
// MSAL token cache (or, with --legacy, the v1 refresh token) travels to the
// host as provider state, so later runs refresh without a prompt.
package devicecode

import (
	"context"
	"net/http"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/providers/internal/settingcheck"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-devicecode serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against a TLS fake.
	httpClient *http.Client
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "devicecode", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the devicecode login mode.
var spec = sdk.ModeSpec{
	LoginMode:   "devicecode",
	Description: "sign in on any device with a browser by entering a code",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID),
		sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingAuthorityHost),
	},
	Token:        sdk.TokenEntraID,
	Capabilities: sdk.Capabilities{Interactive: true, Legacy: true, Stateful: true},
}

// GetToken needs no terminal: the code is entered in a browser anywhere, so
// whoever reads the host's stderr can complete it.
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
		"legacy", req.Legacy, "state", len(req.State) > 0)
	if req.Legacy {
		return legacyToken(ctx, req, auth, client, ui)
	}
	return msalToken(ctx, req, auth, client, ui)
}

func validate(req *sdk.Request) error {
	return settingcheck.First(settingcheck.ClientAndTenant(req), settingcheck.Target(req))
}
