// Package ropc serves the "ropc" login mode: resource
// owner password credentials, for automation accounts without MFA. The MSAL
// token cache travels to the host as provider state, so once the access
// token expires the refresh token renews it without sending the password
// again.
package ropc

import (
	"context"
	"net/http"

	"github.com/kubelogin-dev/kubelogin/internal/buildinfo"
	"github.com/kubelogin-dev/kubelogin/providers/internal/authority"
	"github.com/kubelogin-dev/kubelogin/providers/internal/httpclient"
	"github.com/kubelogin-dev/kubelogin/providers/internal/settingcheck"
	"github.com/kubelogin-dev/kubelogin/sdk"
)

// New returns the provider that cmd/kubelogin-provider-ropc serves.
func New() sdk.Provider { return provider{} }

type provider struct {
	// httpClient replaces the default client in this package's tests, which
	// run GetToken in-process against the Entra ID emulator.
	httpClient *http.Client
}

func (provider) Describe() sdk.Info {
	return sdk.Info{Name: "ropc", Version: buildinfo.Version(), Modes: []sdk.ModeSpec{spec}}
}

// spec is the ropc login mode. It declares no legacy support: upstream
// kubelogin has no v1 ropc flow (--legacy has no effect there), so the host
// refuses --legacy with a clear error instead of failing later on the
// token's audience.
var spec = sdk.ModeSpec{
	LoginMode:   "ropc",
	Description: "a user name and password, for automation accounts without MFA",
	Settings: []sdk.SettingSpec{
		sdk.Require(sdk.SettingServerID), sdk.Require(sdk.SettingClientID), sdk.Require(sdk.SettingTenantID),
		sdk.Accept(sdk.SettingEnvironment), sdk.Accept(sdk.SettingAuthorityHost),
	},
	Credentials:        []sdk.CredentialKind{sdk.CredentialUsernamePassword},
	CredentialRequired: true,
	Token:              sdk.TokenEntraID,
	Capabilities:       sdk.Capabilities{PoP: true, Stateful: true},
}

func (p provider) GetToken(ctx context.Context, req *sdk.Request, _ sdk.UI) (*sdk.Token, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	auth, err := authority.URL(req.AuthorityHost, req.TenantID)
	if err != nil {
		return nil, err
	}
	client := httpclient.Or(p.httpClient)
	// The password is never logged; Credentials formats it as set/unset.
	sdk.Logger().Debug("requesting user token with a password", "tenant", req.TenantID, "client", req.ClientID,
		"username", req.Credentials.Username, "pop", req.PoP != nil, "state", len(req.State) > 0)
	return msalToken(ctx, req, auth, client)
}

// validate names the flag and variables to set for each missing setting.
func validate(req *sdk.Request) error {
	c := req.Credentials
	if err := settingcheck.ClientAndTenant(req); err != nil {
		return err
	}
	switch {
	case c.Username == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no username: set --username, AZURE_USERNAME or AAD_USER_PRINCIPAL_NAME")
	case c.Password == "":
		return sdk.Errorf(sdk.CodeInvalidRequest, "no password: set --password, AZURE_PASSWORD or AAD_USER_PRINCIPAL_PASSWORD")
	case req.Legacy:
		return sdk.Errorf(sdk.CodeInvalidRequest, "login mode ropc has no --legacy flow: remove --legacy")
	}
	return settingcheck.First(settingcheck.Target(req), settingcheck.PoPKey(req))
}
