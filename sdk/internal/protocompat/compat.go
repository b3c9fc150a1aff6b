// Package protocompat decides whether a change to provider.proto keeps
// peers built against the old file working, as VERSIONING.md defines it:
// the wire must not change under them. It compares descriptors, so the
// committed baseline needs no protoc to check against.
package protocompat

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/descriptorpb"
)

// Check lists every change from old to cur that breaks a peer built
// against old: a service, method, message or enum gone or renamed; a
// method's request, response or streaming changed; a field or enum value
// gone without its number reserved, or renumbered; a field whose type,
// cardinality or oneof changed. Adding fields, values, messages and methods,
// and removing a field or value whose number is reserved, are compatible.
func Check(old, cur *descriptorpb.FileDescriptorProto) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if old.GetPackage() != cur.GetPackage() {
		bad("package %s became %s: every service's full name changes", old.GetPackage(), cur.GetPackage())
	}
	for _, os := range old.Service {
		cs := find(cur.Service, os.GetName(), (*descriptorpb.ServiceDescriptorProto).GetName)
		if cs == nil {
			bad("service %s was removed or renamed", os.GetName())
			continue
		}
		for _, om := range os.Method {
			cm := find(cs.Method, om.GetName(), (*descriptorpb.MethodDescriptorProto).GetName)
			switch {
			case cm == nil:
				bad("method %s.%s was removed or renamed", os.GetName(), om.GetName())
			case cm.GetInputType() != om.GetInputType() || cm.GetOutputType() != om.GetOutputType():
				bad("method %s.%s changed from (%s) %s to (%s) %s", os.GetName(), om.GetName(),
					om.GetInputType(), om.GetOutputType(), cm.GetInputType(), cm.GetOutputType())
			case cm.GetClientStreaming() != om.GetClientStreaming() || cm.GetServerStreaming() != om.GetServerStreaming():
				bad("method %s.%s changed whether it streams", os.GetName(), om.GetName())
			}
		}
	}
	checkMessages(old.MessageType, cur.MessageType, "", bad)
	checkEnums(old.EnumType, cur.EnumType, "", bad)
	return errs
}

func checkMessages(old, cur []*descriptorpb.DescriptorProto, scope string, bad func(string, ...any)) {
	for _, om := range old {
		name := scope + om.GetName()
		cm := find(cur, om.GetName(), (*descriptorpb.DescriptorProto).GetName)
		if cm == nil {
			bad("message %s was removed or renamed", name)
			continue
		}
		for _, of := range om.Field {
			cf := find(cm.Field, of.GetNumber(), (*descriptorpb.FieldDescriptorProto).GetNumber)
			if cf == nil {
				if moved := find(cm.Field, of.GetName(), (*descriptorpb.FieldDescriptorProto).GetName); moved != nil {
					bad("field %s.%s was renumbered from %d to %d", name, of.GetName(), of.GetNumber(), moved.GetNumber())
				} else if !fieldReserved(cm, of.GetNumber()) {
					bad("field %s.%s (%d) was removed without reserving its number", name, of.GetName(), of.GetNumber())
				}
				continue
			}
			if cf.GetType() != of.GetType() || cf.GetTypeName() != of.GetTypeName() {
				bad("field %s.%s (%d) changed type from %s to %s", name, of.GetName(), of.GetNumber(), typeOf(of), typeOf(cf))
			}
			if cf.GetLabel() != of.GetLabel() {
				bad("field %s.%s (%d) changed cardinality from %s to %s", name, of.GetName(), of.GetNumber(), of.GetLabel(), cf.GetLabel())
			}
			if oneofName(om, of) != oneofName(cm, cf) {
				bad("field %s.%s (%d) moved from oneof %q to %q", name, of.GetName(), of.GetNumber(), oneofName(om, of), oneofName(cm, cf))
			}
		}
		checkMessages(om.NestedType, cm.NestedType, name+".", bad)
		checkEnums(om.EnumType, cm.EnumType, name+".", bad)
	}
}

func checkEnums(old, cur []*descriptorpb.EnumDescriptorProto, scope string, bad func(string, ...any)) {
	for _, oe := range old {
		name := scope + oe.GetName()
		ce := find(cur, oe.GetName(), (*descriptorpb.EnumDescriptorProto).GetName)
		if ce == nil {
			bad("enum %s was removed or renamed", name)
			continue
		}
		for _, ov := range oe.Value {
			if find(ce.Value, ov.GetNumber(), (*descriptorpb.EnumValueDescriptorProto).GetNumber) != nil {
				continue
			}
			if !enumReserved(ce, ov.GetNumber()) {
				bad("enum value %s.%s (%d) was removed without reserving its number", name, ov.GetName(), ov.GetNumber())
			}
		}
	}
}

func fieldReserved(m *descriptorpb.DescriptorProto, n int32) bool {
	// Message reserved ranges are end-exclusive.
	return slices.ContainsFunc(m.ReservedRange, func(r *descriptorpb.DescriptorProto_ReservedRange) bool {
		return r.GetStart() <= n && n < r.GetEnd()
	})
}

func enumReserved(e *descriptorpb.EnumDescriptorProto, n int32) bool {
	// Enum reserved ranges are end-inclusive.
	return slices.ContainsFunc(e.ReservedRange, func(r *descriptorpb.EnumDescriptorProto_EnumReservedRange) bool {
		return r.GetStart() <= n && n <= r.GetEnd()
	})
}

func oneofName(m *descriptorpb.DescriptorProto, f *descriptorpb.FieldDescriptorProto) string {
	if f.OneofIndex == nil || int(f.GetOneofIndex()) >= len(m.OneofDecl) {
		return ""
	}
	return m.OneofDecl[f.GetOneofIndex()].GetName()
}

func typeOf(f *descriptorpb.FieldDescriptorProto) string {
	if f.GetTypeName() != "" {
		return f.GetTypeName()
	}
	return f.GetType().String()
}

func find[T any, K comparable](xs []T, key K, keyOf func(T) K) T {
	for _, x := range xs {
		if keyOf(x) == key {
			return x
		}
	}
	var zero T
	return zero
}
