// Package client is the calling end of the provider protocol, shared by
// the kubelogin host and the conformance kit so that the two can never
// read the protocol differently: go-plugin's handshake and plugin set for
// the client side, and the conversions between sdk types and sdk/proto.
// A provider never imports it; package sdk stays the provider's API.
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/kubelogin-dev/kubelogin/sdk"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// Handshake is go-plugin's form of the protocol's handshake values.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  protocol.Version,
	MagicCookieKey:   protocol.MagicCookieKey,
	MagicCookieValue: protocol.MagicCookieValue,
}

// VersionedPlugins is the client side of every protocol version spoken.
func VersionedPlugins() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{protocol.Version: {protocol.PluginName: &Plugin{}}}
}

// Plugin dispenses a *Client; it serves nothing.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
}

// GRPCServer refuses: this is the client side.
func (*Plugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the client plugin serves nothing")
}

// GRPCClient wraps the connection go-plugin made.
func (*Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return New(c), nil
}

// Client calls one running provider.
type Client struct {
	rpc pb.ProviderClient
}

// New returns a client over conn.
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: pb.NewProviderClient(conn)}
}

// Describe asks the provider who it is.
func (c *Client) Describe(ctx context.Context) (sdk.Info, error) {
	r, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return sdk.Info{}, err
	}
	return InfoFromProto(r), nil
}

// ErrNoResult means the provider closed the stream without a token or error.
var ErrNoResult = errors.New("provider ended the request without a token or an error")

// GetToken sends req and forwards the provider's events to ui until the
// final token or error arrives.
func (c *Client) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	stream, err := c.rpc.GetToken(ctx, RequestToProto(req))
	if err != nil {
		return nil, err
	}
	for {
		ev, err := stream.Recv()
		if err == io.EOF {
			return nil, ErrNoResult
		}
		if err != nil {
			return nil, err
		}
		switch k := ev.Kind.(type) {
		case *pb.Event_Token:
			return tokenFromProto(k.Token), nil
		case *pb.Event_Error:
			return nil, &sdk.Error{Code: sdk.ErrorCode(k.Error.Code), Message: k.Error.Message, AADSTS: k.Error.Aadsts}
		case *pb.Event_Message:
			err = ui.Message(k.Message.Text)
		case *pb.Event_Progress:
			err = ui.Progress(k.Progress.Text)
		case *pb.Event_OpenUrl:
			err = ui.OpenURL(k.OpenUrl.Url, k.OpenUrl.Purpose)
		case *pb.Event_DeviceCode:
			err = ui.DeviceCode(sdk.DeviceCode{
				VerificationURI: k.DeviceCode.VerificationUri,
				UserCode:        k.DeviceCode.UserCode,
				ExpiresAt:       unixOrZero(k.DeviceCode.ExpiresAtUnix),
				Message:         k.DeviceCode.Message,
			})
		default:
			err = fmt.Errorf("provider sent an event this client does not understand (%T): upgrade kubelogin (or the kit)", ev.Kind)
		}
		if err != nil {
			return nil, err
		}
	}
}

// InfoFromProto reads a Describe answer.
func InfoFromProto(r *pb.DescribeResponse) sdk.Info {
	out := sdk.Info{
		Name:         r.Name,
		Version:      r.Version,
		LoginModes:   r.LoginModes,
		Capabilities: capabilitiesFromProto(r.GetCapabilities()),
	}
	for _, m := range r.Modes {
		out.Modes = append(out.Modes, ModeFromProto(m))
	}
	return out.Derived()
}

func capabilitiesFromProto(c *pb.Capabilities) sdk.Capabilities {
	return sdk.Capabilities{Interactive: c.GetInteractive(), PoP: c.GetPop(), Legacy: c.GetLegacy(), Stateful: c.GetStateful()}
}

// ModeFromProto keeps an unspecified token kind as is: the host reads it as
// an Entra ID access token, the kit refuses it.
func ModeFromProto(m *pb.ModeSpec) sdk.ModeSpec {
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

// RequestToProto writes a request.
func RequestToProto(r *sdk.Request) *pb.GetTokenRequest {
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
