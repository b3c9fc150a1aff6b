package protocompat

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

func current() *descriptorpb.FileDescriptorProto {
	return protodesc.ToFileDescriptorProto(pb.File_provider_proto)
}

func message(f *descriptorpb.FileDescriptorProto, name string) *descriptorpb.DescriptorProto {
	return find(f.MessageType, name, (*descriptorpb.DescriptorProto).GetName)
}

func field(f *descriptorpb.FileDescriptorProto, msg, name string) *descriptorpb.FieldDescriptorProto {
	return find(message(f, msg).Field, name, (*descriptorpb.FieldDescriptorProto).GetName)
}

func enum(f *descriptorpb.FileDescriptorProto, name string) *descriptorpb.EnumDescriptorProto {
	return find(f.EnumType, name, (*descriptorpb.EnumDescriptorProto).GetName)
}

func dropField(f *descriptorpb.FileDescriptorProto, msg, name string) *descriptorpb.FieldDescriptorProto {
	m := message(f, msg)
	for i, fd := range m.Field {
		if fd.GetName() == name {
			m.Field = append(m.Field[:i], m.Field[i+1:]...)
			return fd
		}
	}
	panic("no field " + msg + "." + name)
}

// TestCheck edits the real descriptor in memory, each edit one change, and
// expects Check to refuse exactly the incompatible ones.
func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(f *descriptorpb.FileDescriptorProto)
		want string // "" for a compatible change
	}{
		{"unchanged", func(*descriptorpb.FileDescriptorProto) {}, ""},
		{"field added", func(f *descriptorpb.FileDescriptorProto) {
			m := message(f, "GetTokenRequest")
			m.Field = append(m.Field, &descriptorpb.FieldDescriptorProto{Name: proto.String("claims"), Number: proto.Int32(40),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()})
		}, ""},
		{"field removed and reserved", func(f *descriptorpb.FileDescriptorProto) {
			fd := dropField(f, "GetTokenRequest", "login_hint")
			m := message(f, "GetTokenRequest")
			m.ReservedRange = append(m.ReservedRange, &descriptorpb.DescriptorProto_ReservedRange{Start: fd.Number, End: proto.Int32(fd.GetNumber() + 1)})
		}, ""},
		{"field renamed", func(f *descriptorpb.FileDescriptorProto) {
			field(f, "Token", "account").Name = proto.String("principal")
		}, ""},
		{"method added", func(f *descriptorpb.FileDescriptorProto) {
			f.Service[0].Method = append(f.Service[0].Method, &descriptorpb.MethodDescriptorProto{Name: proto.String("Ping"),
				InputType: proto.String(".kubelogin.provider.v1.DescribeRequest"), OutputType: proto.String(".kubelogin.provider.v1.DescribeRequest")})
		}, ""},
		{"enum value added", func(f *descriptorpb.FileDescriptorProto) {
			e := enum(f, "ErrorCode")
			e.Value = append(e.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String("ERROR_CODE_NEW"), Number: proto.Int32(12)})
		}, ""},
		{"field removed", func(f *descriptorpb.FileDescriptorProto) { dropField(f, "GetTokenRequest", "login_hint") },
			"field GetTokenRequest.login_hint (12) was removed without reserving its number"},
		{"field renumbered", func(f *descriptorpb.FileDescriptorProto) { field(f, "Token", "account").Number = proto.Int32(9) },
			"field Token.account was renumbered from 5 to 9"},
		{"field type changed", func(f *descriptorpb.FileDescriptorProto) {
			field(f, "GetTokenRequest", "timeout_ms").Type = descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
		}, "field GetTokenRequest.timeout_ms (14) changed type from TYPE_INT64 to TYPE_STRING"},
		{"field made repeated", func(f *descriptorpb.FileDescriptorProto) {
			field(f, "GetTokenRequest", "tenant_id").Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		}, "field GetTokenRequest.tenant_id (2) changed cardinality"},
		{"field moved out of its oneof", func(f *descriptorpb.FileDescriptorProto) { field(f, "Event", "token").OneofIndex = nil },
			`field Event.token (5) moved from oneof "kind" to ""`},
		{"message type changed", func(f *descriptorpb.FileDescriptorProto) {
			field(f, "Event", "message").TypeName = proto.String(".kubelogin.provider.v1.Progress")
		}, "changed type from .kubelogin.provider.v1.Message to .kubelogin.provider.v1.Progress"},
		{"enum value removed", func(f *descriptorpb.FileDescriptorProto) {
			e := enum(f, "ErrorCode")
			e.Value = e.Value[:len(e.Value)-1]
		}, "enum value ErrorCode.ERROR_CODE_UNAVAILABLE (10) was removed without reserving its number"},
		{"method renamed", func(f *descriptorpb.FileDescriptorProto) { f.Service[0].Method[1].Name = proto.String("FetchToken") },
			"method Provider.GetToken was removed or renamed"},
		{"method stops streaming", func(f *descriptorpb.FileDescriptorProto) { f.Service[0].Method[1].ServerStreaming = proto.Bool(false) },
			"method Provider.GetToken changed whether it streams"},
		{"method response changed", func(f *descriptorpb.FileDescriptorProto) {
			f.Service[0].Method[0].OutputType = proto.String(".kubelogin.provider.v1.Event")
		}, "method Provider.Describe changed"},
		{"service renamed", func(f *descriptorpb.FileDescriptorProto) { f.Service[0].Name = proto.String("TokenProvider") },
			"service Provider was removed or renamed"},
		{"package renamed", func(f *descriptorpb.FileDescriptorProto) { f.Package = proto.String("kubelogin.provider.v2") },
			"package kubelogin.provider.v1 became kubelogin.provider.v2"},
		{"message removed", func(f *descriptorpb.FileDescriptorProto) { f.MessageType = f.MessageType[1:] },
			"message DescribeRequest was removed or renamed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := current()
			tt.edit(cur)
			errs := Check(current(), cur)
			if tt.want == "" {
				if len(errs) > 0 {
					t.Fatalf("a compatible change was refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Fatalf("Check = %v, want one error containing %q", errs, tt.want)
			}
		})
	}
}
