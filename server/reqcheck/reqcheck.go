// Package reqcheck refuses, before any handler runs, a request holding text
// that no field may store: NUL, other control characters, and invalid
// UTF-8. It walks every string of the request message by reflection, so a
// field added to the contract later is covered without anyone remembering
// to, and it names each offending field by its path, as in
// "recipient.postal_address.lines[1]" or `documents[0].metadata["sak"]`.
//
// The rules for one string are [domain.CheckText]'s. Line breaks and tabs
// are allowed only in the free-text fields listed in [multiline]. Lengths
// and formats are the handlers' business, field by field.
package reqcheck

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/domain"
)

// multiline reports whether a string field holds free text that may span
// lines: reasons and metadata values. Every other string is one line.
func multiline(field protoreflect.FullName) bool {
	switch field {
	case "svarsign.v1.RejectIncomingRequest.message",
		"svarsign.v1.CancelSigningOrderRequest.reason",
		"svarsign.v1.DocumentSpec.MetadataEntry.value":
		return true
	}
	return false
}

// maxKeyInPath is the longest map key repeated in a field path; a longer
// key is reported on the map itself, so one request cannot inflate the
// error (gRPC trailers are small).
const maxKeyInPath = 100

// Check adds to v a violation for each string in m that [domain.CheckText]
// refuses, in field-number order.
func Check(m proto.Message, v *domain.Violations) {
	walk(m.ProtoReflect(), "", domain.CheckText, v)
}

// rule decides about one string; multiline says whether the field is free text.
type rule func(s string, multiline bool) error

func walk(m protoreflect.Message, prefix string, r rule, v *domain.Violations) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		path := string(fd.Name())
		if prefix != "" {
			path = prefix + "." + path
		}
		val := m.Get(fd)
		switch {
		case fd.IsMap():
			walkMap(fd, val.Map(), path, r, v)
		case fd.IsList():
			list := val.List()
			for j := range list.Len() {
				value(fd, list.Get(j), fmt.Sprintf("%s[%d]", path, j), r, v)
			}
		default:
			value(fd, val, path, r, v)
		}
	}
}

func walkMap(fd protoreflect.FieldDescriptor, m protoreflect.Map, path string, r rule, v *domain.Violations) {
	var keys []protoreflect.MapKey
	m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		entry := fmt.Sprintf("%s[%v]", path, k.Interface())
		if fd.MapKey().Kind() == protoreflect.StringKind {
			s := k.String()
			if err := r(s, false); err != nil {
				// A key that is not clean text cannot be repeated in a
				// path, so the map is named.
				v.Add(path, domain.ReasonOf(err), "keys "+err.Error())
				continue
			}
			entry = path
			if utf8.RuneCountInString(s) <= maxKeyInPath {
				entry = fmt.Sprintf("%s[%q]", path, s)
			}
		}
		value(fd.MapValue(), m.Get(k), entry, r, v)
	}
}

func compareKeys(a, b protoreflect.MapKey) int {
	switch a.Interface().(type) {
	case string:
		return cmp.Compare(a.String(), b.String())
	case bool:
		return cmp.Compare(boolInt(a.Bool()), boolInt(b.Bool()))
	case int32, int64:
		return cmp.Compare(a.Int(), b.Int())
	default:
		return cmp.Compare(a.Uint(), b.Uint())
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// value checks one singular value: a string, or a message to descend into.
func value(fd protoreflect.FieldDescriptor, val protoreflect.Value, path string, r rule, v *domain.Violations) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if err := r(val.String(), multiline(fd.FullName())); err != nil {
			v.AddError(path, err)
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		walk(val.Message(), path, r, v)
	}
}

// validUTF8 is the rule of the client side: only what cannot be marshalled,
// refused in CheckText's words (which checks UTF-8 first).
func validUTF8(s string, multiline bool) error {
	if utf8.ValidString(s) {
		return nil
	}
	return domain.CheckText(s, multiline)
}

// Interceptor applies [Check] to every request message of unary and
// streaming calls, and answers InvalidArgument with one field violation per
// offending string. Put it after authentication, so an anonymous caller
// learns nothing about the contract from it.
type Interceptor struct{}

var _ connect.Interceptor = Interceptor{}

func check(msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil
	}
	var v domain.Violations
	Check(m, &v)
	if err := v.Err(); err != nil {
		return apierr.Invalid(err.(*domain.ValidationError))
	}
	return nil
}

// WrapUnary implements connect.Interceptor.
func (Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if !req.Spec().IsClient {
			if err := check(req.Any()); err != nil {
				return nil, err
			}
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor; clients are not checked.
func (Interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor: each received
// message is checked as it arrives.
func (Interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, checkedConn{conn})
	}
}

type checkedConn struct{ connect.StreamingHandlerConn }

func (c checkedConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	return check(msg)
}

// grpcError is the gRPC status refusing invalid UTF-8 in msg, with the
// same google.rpc.BadRequest detail the Connect handlers send.
func grpcError(msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil
	}
	var v domain.Violations
	walk(m.ProtoReflect(), "", validUTF8, &v)
	if v.Len() == 0 {
		return nil
	}
	ve := v.Err().(*domain.ValidationError)
	st := status.New(codes.InvalidArgument, ve.Error())
	if withDetails, err := st.WithDetails(apierr.BadRequest(ve)); err == nil {
		st = withDetails
	}
	return st.Err()
}

// DialOptions check requests where a gRPC client builds them from other
// input, as the JSON facade does from query parameters and paths. Invalid
// UTF-8 there cannot even be marshalled (grpc-go answered Internal); these
// answer InvalidArgument naming the field, as the server would. The rest of
// the rules are left to the server, after authentication.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			if err := grpcError(req); err != nil {
				return err
			}
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			ctx, cancel := context.WithCancel(ctx)
			s, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				cancel()
				return nil, err
			}
			return &checkedClientStream{ClientStream: s, cancel: cancel}, nil
		}),
	}
}

// checkedClientStream refuses a message it should not send: the call is
// cancelled, and the refusal is what every later method reports, so a
// caller that goes on to CloseAndRecv learns why.
type checkedClientStream struct {
	grpc.ClientStream
	cancel context.CancelFunc
	err    error
}

func (s *checkedClientStream) SendMsg(m any) error {
	if s.err != nil {
		return s.err
	}
	if err := grpcError(m); err != nil {
		s.err = err
		s.cancel()
		return err
	}
	return s.ClientStream.SendMsg(m)
}

func (s *checkedClientStream) CloseSend() error {
	if s.err != nil {
		return nil
	}
	return s.ClientStream.CloseSend()
}

func (s *checkedClientStream) RecvMsg(m any) error {
	if s.err != nil {
		return s.err
	}
	err := s.ClientStream.RecvMsg(m)
	if err != nil {
		// The call is over: release its context.
		s.cancel()
	}
	return err
}
