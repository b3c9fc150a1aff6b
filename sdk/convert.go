package sdk

import (
	"time"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

func infoToProto(i Info) *pb.DescribeResponse {
	i = i.withDerived()
	out := &pb.DescribeResponse{
		Name:         i.Name,
		Version:      i.Version,
		LoginModes:   i.LoginModes,
		Capabilities: capabilitiesToProto(i.Capabilities),
	}
	for _, m := range i.Modes {
		out.Modes = append(out.Modes, modeToProto(m))
	}
	return out
}

func infoFromProto(r *pb.DescribeResponse) Info {
	out := Info{
		Name:         r.Name,
		Version:      r.Version,
		LoginModes:   r.LoginModes,
		Capabilities: capabilitiesFromProto(r.GetCapabilities()),
	}
	for _, m := range r.Modes {
		out.Modes = append(out.Modes, modeFromProto(m))
	}
	return out.withDerived()
}

func capabilitiesToProto(c Capabilities) *pb.Capabilities {
	return &pb.Capabilities{Interactive: c.Interactive, Pop: c.PoP, Legacy: c.Legacy, Stateful: c.Stateful}
}

func capabilitiesFromProto(c *pb.Capabilities) Capabilities {
	return Capabilities{Interactive: c.GetInteractive(), PoP: c.GetPop(), Legacy: c.GetLegacy(), Stateful: c.GetStateful()}
}

func modeToProto(m ModeSpec) *pb.ModeSpec {
	out := &pb.ModeSpec{
		LoginMode:          m.LoginMode,
		Description:        m.Description,
		CredentialRequired: m.CredentialRequired,
		Token:              pb.TokenKind(m.Token),
		Capabilities:       capabilitiesToProto(m.Capabilities),
	}
	for _, s := range m.Settings {
		out.Settings = append(out.Settings, &pb.SettingSpec{Setting: pb.Setting(s.Setting), Required: s.Required})
	}
	for _, k := range m.Credentials {
		out.Credentials = append(out.Credentials, pb.CredentialKind(k))
	}
	for _, a := range m.Args {
		out.Args = append(out.Args, &pb.ProviderArg{Name: a.Name, Description: a.Description, Required: a.Required, Secret: a.Secret})
	}
	for _, f := range m.InvalidationFiles {
		out.InvalidationFiles = append(out.InvalidationFiles, &pb.InvalidationFile{Paths: f.Paths})
	}
	return out
}

// modeFromProto keeps an unspecified token kind as is: the host reads it as
// an Entra ID access token, and the conformance kit refuses it.
func modeFromProto(m *pb.ModeSpec) ModeSpec {
	out := ModeSpec{
		LoginMode:          m.LoginMode,
		Description:        m.Description,
		CredentialRequired: m.CredentialRequired,
		Token:              TokenKind(m.Token),
		Capabilities:       capabilitiesFromProto(m.GetCapabilities()),
	}
	for _, s := range m.Settings {
		out.Settings = append(out.Settings, SettingSpec{Setting: Setting(s.Setting), Required: s.Required})
	}
	for _, k := range m.Credentials {
		out.Credentials = append(out.Credentials, CredentialKind(k))
	}
	for _, a := range m.Args {
		out.Args = append(out.Args, ProviderArg{Name: a.Name, Description: a.Description, Required: a.Required, Secret: a.Secret})
	}
	for _, f := range m.InvalidationFiles {
		out.InvalidationFiles = append(out.InvalidationFiles, InvalidationFile{Paths: f.Paths})
	}
	return out
}

func requestToProto(r *Request) *pb.GetTokenRequest {
	out := &pb.GetTokenRequest{
		LoginMode:                r.LoginMode,
		TenantId:                 r.TenantID,
		ClientId:                 r.ClientID,
		ServerId:                 r.ServerID,
		Scopes:                   r.Scopes,
		Legacy:                   r.Legacy,
		Resource:                 r.Resource,
		AuthorityHost:            r.AuthorityHost,
		Environment:              r.Environment,
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
		UserPresent: r.UserPresent,
		State:       r.State,
		Extra:       r.Extra,
	}
	if r.PoP != nil {
		out.Pop = &pb.PoPRequest{ReqCnf: r.PoP.ReqCnf}
	}
	return out
}

func requestFromProto(r *pb.GetTokenRequest) *Request {
	c := r.GetCredentials()
	out := &Request{
		LoginMode:                r.LoginMode,
		TenantID:                 r.TenantId,
		ClientID:                 r.ClientId,
		ServerID:                 r.ServerId,
		Scopes:                   r.Scopes,
		Legacy:                   r.Legacy,
		Resource:                 r.Resource,
		AuthorityHost:            r.AuthorityHost,
		Environment:              r.Environment,
		DisableInstanceDiscovery: r.DisableInstanceDiscovery,
		Credentials: Credentials{
			ClientSecret:              c.GetClientSecret(),
			ClientCertificatePath:     c.GetClientCertificatePath(),
			ClientCertificatePassword: c.GetClientCertificatePassword(),
			Username:                  c.GetUsername(),
			Password:                  c.GetPassword(),
			FederatedTokenFile:        c.GetFederatedTokenFile(),
			IdentityResourceID:        c.GetIdentityResourceId(),
			OIDCRequestURL:            c.GetOidcRequestUrl(),
			OIDCRequestToken:          c.GetOidcRequestToken(),
		},
		LoginHint:   r.LoginHint,
		RedirectURL: r.RedirectUrl,
		Timeout:     time.Duration(r.TimeoutMs) * time.Millisecond,
		UserPresent: r.UserPresent,
		State:       r.State,
		Extra:       r.Extra,
	}
	if r.Pop != nil {
		out.PoP = &PoPRequest{ReqCnf: r.Pop.ReqCnf}
	}
	return out
}

func tokenToProto(t *Token) *pb.Token {
	return &pb.Token{
		AccessToken:   t.AccessToken,
		ExpiresAtUnix: unixOrZeroOf(t.ExpiresAt),
		TokenType:     t.TokenType,
		State:         t.State,
		Account:       t.Account,
	}
}

func tokenFromProto(t *pb.Token) *Token {
	return &Token{
		AccessToken: t.AccessToken,
		ExpiresAt:   unixOrZero(t.ExpiresAtUnix),
		TokenType:   t.TokenType,
		State:       t.State,
		Account:     t.Account,
	}
}
