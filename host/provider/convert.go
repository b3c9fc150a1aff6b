package provider

import (
	"time"

	"github.com/kubelogin-dev/kubelogin/sdk"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

// The conversions between sdk types and protocol version 1, the host's way
// round: requests out, descriptions and tokens in.

// infoFromProto reads a Describe answer.
func infoFromProto(r *pb.DescribeResponse) sdk.Info {
	out := sdk.Info{
		Name:         r.Name,
		Version:      r.Version,
		LoginModes:   r.LoginModes,
		Capabilities: capabilitiesFromProto(r.GetCapabilities()),
	}
	for _, m := range r.Modes {
		out.Modes = append(out.Modes, modeFromProto(m))
	}
	return out.Derived()
}

func capabilitiesFromProto(c *pb.Capabilities) sdk.Capabilities {
	return sdk.Capabilities{Interactive: c.GetInteractive(), PoP: c.GetPop(), Legacy: c.GetLegacy(), Stateful: c.GetStateful()}
}

// modeFromProto keeps an unspecified token kind as is: the host reads it as an Entra ID access token.
func modeFromProto(m *pb.ModeSpec) sdk.ModeSpec {
	out := sdk.ModeSpec{
		LoginMode:          m.LoginMode,
		Description:        m.Description,
		CredentialRequired: m.CredentialRequired,
		Token:              sdk.TokenKind(m.Token),
		Capabilities:       capabilitiesFromProto(m.GetCapabilities()),
	}
	for _, s := range m.Settings {
		out.Settings = append(out.Settings, sdk.SettingSpec{Setting: sdk.Setting(s.Setting), Required: s.Required})
	}
	for _, k := range m.Credentials {
		out.Credentials = append(out.Credentials, sdk.CredentialKind(k))
	}
	for _, a := range m.Args {
		out.Args = append(out.Args, sdk.ProviderArg{Name: a.Name, Description: a.Description, Required: a.Required, Secret: a.Secret})
	}
	for _, f := range m.InvalidationFiles {
		out.InvalidationFiles = append(out.InvalidationFiles, sdk.InvalidationFile{Paths: f.Paths})
	}
	return out
}

// requestToProto writes a request.
func requestToProto(r *sdk.Request) *pb.GetTokenRequest {
	out := &pb.GetTokenRequest{
		LoginMode:                r.LoginMode,
		TenantId:                 r.TenantID,
		ClientId:                 r.ClientID,
		Scopes:                   r.Scopes,
		Legacy:                   r.Legacy,
		Resource:                 r.Resource,
		AuthorityHost:            r.AuthorityHost,
		DisableInstanceDiscovery: r.DisableInstanceDiscovery,
		Credentials: &pb.Credentials{
			ClientSecret:              r.Credentials.ClientSecret,
			ClientCertificatePath:     r.Credentials.ClientCertificatePath,
			ClientCertificatePassword: r.Credentials.ClientCertificatePassword,
			Username:                  r.Credentials.Username,
			Password:                  r.Credentials.Password,
			FederatedTokenFile:        r.Credentials.FederatedTokenFile,
			IdentityResourceId:        r.Credentials.IdentityResourceID,
			OidcRequestUrl:            r.Credentials.OIDCRequestURL,
			OidcRequestToken:          r.Credentials.OIDCRequestToken,
		},
		LoginHint:   r.LoginHint,
		RedirectUrl: r.RedirectURL,
		TimeoutMs:   r.Timeout.Milliseconds(),
		State:       r.State,
		Extra:       r.Extra,
	}
	if r.PoP != nil {
		out.Pop = &pb.PoPRequest{ReqCnf: r.PoP.ReqCnf}
	}
	return out
}

func tokenFromProto(t *pb.Token) *sdk.Token {
	return &sdk.Token{
		AccessToken: t.AccessToken,
		ExpiresAt:   unixOrZero(t.ExpiresAtUnix),
		State:       t.State,
		Account:     t.Account,
	}
}

func unixOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}
