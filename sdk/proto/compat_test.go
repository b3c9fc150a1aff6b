package providerpb_test

import (
	"os"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/kubelogin-dev/kubelogin/sdk/internal/protocompat"
	pb "github.com/kubelogin-dev/kubelogin/sdk/proto"
)

// TestCompatibleWithBaseline fails when provider.proto changed in a way
// that breaks providers or hosts built against the released protocol,
// whose descriptor provider.v1.binpb holds (see VERSIONING.md: such a change
// needs a new protocol version, not an edit of version 1).
func TestCompatibleWithBaseline(t *testing.T) {
	raw, err := os.ReadFile("provider.v1.binpb")
	if err != nil {
		t.Fatal(err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		t.Fatalf("provider.v1.binpb: %v", err)
	}
	if len(set.File) != 1 {
		t.Fatalf("provider.v1.binpb holds %d files, want provider.proto alone", len(set.File))
	}
	for _, err := range protocompat.Check(set.File[0], protodesc.ToFileDescriptorProto(pb.File_provider_proto)) {
		t.Error(err)
	}
}
