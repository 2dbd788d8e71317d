package gen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// baseline is the image of the last released contract (see README
// "Regenerating code" for cutting a new one at a release).
const baseline = "proto/baseline/v0.1.0.binpb"

// TestBufBreaking fails on any change to the contract that would break a
// client generated from the released one (buf's FILE rules, see buf.yaml).
func TestBufBreaking(t *testing.T) {
	cmd := exec.Command("go", "tool", "buf", "breaking", "proto", "--against", baseline)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("buf breaking against %s: %v\n%s", baseline, err, out)
	}
}

// TestProtoDocComments requires a leading comment on every service, RPC,
// message, field, oneof, enum and enum value of the contract: they are the
// documentation of the generated clients and of the OpenAPI document.
func TestProtoDocComments(t *testing.T) {
	image := filepath.Join(t.TempDir(), "image.binpb")
	cmd := exec.Command("go", "tool", "buf", "build", "-o", image)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("buf build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	set := new(descriptorpb.FileDescriptorSet) // a buf image is one on the wire
	if err := proto.Unmarshal(b, set); err != nil {
		t.Fatal(err)
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	files.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(f.Path(), "svarsign/") {
			return true
		}
		walk(f, func(d protoreflect.Descriptor) {
			n++
			if strings.TrimSpace(f.SourceLocations().ByDescriptor(d).LeadingComments) == "" {
				t.Errorf("%s: %s has no doc comment", f.Path(), d.FullName())
			}
		})
		return true
	})
	if n < 100 {
		t.Fatalf("checked only %d declarations; is the image missing source info?", n)
	}
}

// walk calls fn for every declaration in f that needs documenting.
func walk(f protoreflect.FileDescriptor, fn func(protoreflect.Descriptor)) {
	for i := range f.Services().Len() {
		s := f.Services().Get(i)
		fn(s)
		for j := range s.Methods().Len() {
			fn(s.Methods().Get(j))
		}
	}
	for i := range f.Enums().Len() {
		walkEnum(f.Enums().Get(i), fn)
	}
	for i := range f.Messages().Len() {
		walkMessage(f.Messages().Get(i), fn)
	}
}

func walkMessage(m protoreflect.MessageDescriptor, fn func(protoreflect.Descriptor)) {
	if m.IsMapEntry() {
		return
	}
	fn(m)
	for i := range m.Fields().Len() {
		fn(m.Fields().Get(i))
	}
	for i := range m.Oneofs().Len() {
		if o := m.Oneofs().Get(i); !o.IsSynthetic() {
			fn(o)
		}
	}
	for i := range m.Enums().Len() {
		walkEnum(m.Enums().Get(i), fn)
	}
	for i := range m.Messages().Len() {
		walkMessage(m.Messages().Get(i), fn)
	}
}

func walkEnum(e protoreflect.EnumDescriptor, fn func(protoreflect.Descriptor)) {
	fn(e)
	for i := range e.Values().Len() {
		fn(e.Values().Get(i))
	}
}
