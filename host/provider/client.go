package provider

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/kubelogin-dev/kubelogin/sdk"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
	"github.com/kubelogin-dev/kubelogin/sdk/protocol"
)

// The host speaks the provider protocol over sdk/proto itself, as Terraform
// core speaks its plugin protocol: the sdk module serves providers and has
// no client for hosts.

// handshake is go-plugin's form of the protocol's handshake values.
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  protocol.Version,
	MagicCookieKey:   protocol.MagicCookieKey,
	MagicCookieValue: protocol.MagicCookieValue,
}

// versionedPlugins is every protocol version this host speaks: the current
// one, and the previous one once there is one (VERSIONING.md), each with
// its own client.
func versionedPlugins() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		protocol.Version: {protocol.PluginName: &clientPlugin{}},
	}
}

// clientPlugin dispenses a *Client; the host serves nothing.
type clientPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (*clientPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the host serves no provider")
}

func (*clientPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return NewClient(c), nil
}

// Client calls one provider over protocol version 1.
type Client struct {
	rpc pb.ProviderClient
}

// NewClient returns a client over conn; Start makes one for a launched
// provider, tests make one over an in-process server.
func NewClient(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: pb.NewProviderClient(conn)}
}

// Describe asks the provider who it is.
func (c *Client) Describe(ctx context.Context) (sdk.Info, error) {
	r, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return sdk.Info{}, err
	}
	return infoFromProto(r), nil
}

// ErrNoResult means the provider closed the stream without a token or error.
var ErrNoResult = errors.New("provider ended the request without a token or an error")

// GetToken sends req and forwards the provider's events to ui until the
// final token or error arrives.
func (c *Client) GetToken(ctx context.Context, req *sdk.Request, ui sdk.UI) (*sdk.Token, error) {
	stream, err := c.rpc.GetToken(ctx, requestToProto(req))
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
			err = fmt.Errorf("provider sent an event this host does not understand (%T); upgrade kubelogin", ev.Kind)
		}
		if err != nil {
			return nil, err
		}
	}
}
