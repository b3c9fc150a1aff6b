package sdk

import (
	"time"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

func infoToProto(i Info) *pb.DescribeResponse {
	return &pb.DescribeResponse{
		Name:       i.Name,
		Version:    i.Version,
		LoginModes: i.LoginModes,
		Capabilities: &pb.Capabilities{
			Interactive: i.Capabilities.Interactive,
			Pop:         i.Capabilities.PoP,
			Legacy:      i.Capabilities.Legacy,
			Stateful:    i.Capabilities.Stateful,
		},
	}
}

func infoFromProto(r *pb.DescribeResponse) Info {
	c := r.GetCapabilities()
	return Info{
		Name:       r.Name,
		Version:    r.Version,
		LoginModes: r.LoginModes,
		Capabilities: Capabilities{
			Interactive: c.GetInteractive(),
			PoP:         c.GetPop(),
			Legacy:      c.GetLegacy(),
			Stateful:    c.GetStateful(),
		},
	}
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
