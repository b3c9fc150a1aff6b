package sdk

import (
	"time"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

// The conversions here go one way, as a provider needs them: requests in,
// descriptions and tokens out. A host brings its own for the other way.

func infoToProto(i Info) *pb.DescribeResponse {
	i = i.Derived()
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

func capabilitiesToProto(c Capabilities) *pb.Capabilities {
	return &pb.Capabilities{Interactive: c.Interactive, Pop: c.PoP, Legacy: c.Legacy, Stateful: c.Stateful}
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

func requestFromProto(r *pb.GetTokenRequest) *Request {
	c := r.GetCredentials()
	out := &Request{
		LoginMode:                r.LoginMode,
		TenantID:                 r.TenantId,
		ClientID:                 r.ClientId,
		Scopes:                   r.Scopes,
		Legacy:                   r.Legacy,
		Resource:                 r.Resource,
		AuthorityHost:            r.AuthorityHost,
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
		State:         t.State,
		Account:       t.Account,
	}
}
