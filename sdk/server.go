package sdk

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

// NewProviderServer returns the gRPC service Serve registers for p. Serve is
// all a provider needs; this is for tests that run a provider in process
// over a plain gRPC connection, and for serving it some other way.
func NewProviderServer(p Provider) pb.ProviderServer {
	return &server{impl: p}
}

// grpcPlugin is the provider side of go-plugin's plugin: it only serves.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Provider
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterProviderServer(s, NewProviderServer(p.impl))
	return nil
}

func (p *grpcPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("package sdk only serves providers; hosts use package client")
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

func unixOrZeroOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
