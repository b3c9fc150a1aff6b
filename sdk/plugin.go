package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

// ProtocolVersion is the provider protocol this SDK speaks. A host and a
// provider that share no version refuse each other at the handshake.
const ProtocolVersion = 1

// PluginName is the name the provider service is dispensed under.
const PluginName = "provider"

// Handshake is shared by host and providers. The cookie only keeps users
// from running a provider binary by hand; it is not a security measure.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "KUBELOGIN_PROVIDER_COOKIE",
	MagicCookieValue: "6f1c0f3e-kubelogin-provider-v1",
}

// PluginSets returns the versioned plugin sets a host passes to go-plugin.
// impl is nil on the host side.
func PluginSets(impl Provider) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginName: &grpcPlugin{impl: impl}},
	}
}

type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Provider
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterProviderServer(s, &server{impl: p.impl})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: pb.NewProviderClient(c)}, nil
}

// Client is the host's handle on a running provider.
type Client struct {
	rpc pb.ProviderClient
}

// Describe asks the provider who it is.
func (c *Client) Describe(ctx context.Context) (Info, error) {
	r, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Info{}, err
	}
	return infoFromProto(r), nil
}

// ErrNoResult means the provider closed the stream without a token or error.
var ErrNoResult = errors.New("provider ended the request without a token or an error")

// GetToken sends req and forwards the provider's events to ui until the
// final token or error arrives.
func (c *Client) GetToken(ctx context.Context, req *Request, ui UI) (*Token, error) {
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
			return nil, &Error{Code: ErrorCode(k.Error.Code), Message: k.Error.Message, AADSTS: k.Error.Aadsts}
		case *pb.Event_Message:
			err = ui.Message(k.Message.Text)
		case *pb.Event_Progress:
			err = ui.Progress(k.Progress.Text)
		case *pb.Event_OpenUrl:
			err = ui.OpenURL(k.OpenUrl.Url, k.OpenUrl.Purpose)
		case *pb.Event_DeviceCode:
			err = ui.DeviceCode(DeviceCode{
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

type server struct {
	pb.UnimplementedProviderServer
	impl Provider
}

func (s *server) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return infoToProto(s.impl.Describe()), nil
}

func (s *server) GetToken(req *pb.GetTokenRequest, stream pb.Provider_GetTokenServer) error {
	ctx := stream.Context()
	r := requestFromProto(req)
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	tok, err := s.impl.GetToken(ctx, r, &streamUI{stream: stream})
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeUnspecified, Message: err.Error()}
			if ctx.Err() != nil {
				e.Code = CodeCancelled
			}
		}
		return stream.Send(&pb.Event{Kind: &pb.Event_Error{Error: &pb.Error{Code: pb.ErrorCode(e.Code), Message: e.Message, Aadsts: e.AADSTS}}})
	}
	if tok == nil {
		return stream.Send(&pb.Event{Kind: &pb.Event_Error{Error: &pb.Error{Message: "provider returned neither a token nor an error"}}})
	}
	return stream.Send(&pb.Event{Kind: &pb.Event_Token{Token: tokenToProto(tok)}})
}

type streamUI struct {
	stream pb.Provider_GetTokenServer
}

func (u *streamUI) send(ev *pb.Event) error { return u.stream.Send(ev) }

func (u *streamUI) Message(text string) error {
	return u.send(&pb.Event{Kind: &pb.Event_Message{Message: &pb.Message{Text: text}}})
}

func (u *streamUI) Progress(text string) error {
	return u.send(&pb.Event{Kind: &pb.Event_Progress{Progress: &pb.Progress{Text: text}}})
}

func (u *streamUI) OpenURL(url, purpose string) error {
	return u.send(&pb.Event{Kind: &pb.Event_OpenUrl{OpenUrl: &pb.OpenURL{Url: url, Purpose: purpose}}})
}

func (u *streamUI) DeviceCode(dc DeviceCode) error {
	return u.send(&pb.Event{Kind: &pb.Event_DeviceCode{DeviceCode: &pb.DeviceCode{
		VerificationUri: dc.VerificationURI,
		UserCode:        dc.UserCode,
		ExpiresAtUnix:   unixOrZeroOf(dc.ExpiresAt),
		Message:         dc.Message,
	}}})
}

func unixOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func unixOrZeroOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
