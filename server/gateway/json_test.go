package gateway

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
)

// FuzzStrictJSON: the strict decoder accepts exactly what protojson
// accepts, and for everything else the walk that names the field finds
// at least one violation of its own (it mirrors protojson; the fallback
// to protojson's words is only a safety net), and the error is
// InvalidArgument with a google.rpc.BadRequest. The seeds, in
// testdata/fuzz/FuzzStrictJSON, are SendShipment bodies with each kind of
// fault, and what earlier runs found.
func FuzzStrictJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		want := protojson.Unmarshal(data, &svarsignv1.SendShipmentRequest{})
		err := unmarshalStrict(data, &svarsignv1.SendShipmentRequest{})
		if (err == nil) != (want == nil) {
			t.Fatalf("strict decoding: %v; protojson: %v", err, want)
		}
		if err == nil {
			return
		}
		var v domain.Violations
		locateBody(data, (&svarsignv1.SendShipmentRequest{}).ProtoReflect().Descriptor(), &v)
		if v.Len() == 0 {
			t.Fatalf("no field named for protojson's %v", want)
		}
		s, ok := status.FromError(err)
		if !ok || s.Code() != codes.InvalidArgument || len(s.Details()) != 1 {
			t.Fatalf("error %v is not InvalidArgument with one detail", err)
		}
		if br, ok := s.Details()[0].(*errdetails.BadRequest); !ok || len(br.GetFieldViolations()) == 0 {
			t.Fatalf("detail %v is not a BadRequest with violations", s.Details()[0])
		}
	})
}
