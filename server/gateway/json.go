package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/domain"
)

// The facade reads JSON strictly: one JSON object and nothing after it, no
// unknown fields, and every mistake answered with a google.rpc.BadRequest
// field violation naming the field by its proto path, as the services'
// own validation does ("recipient.national_identity_number",
// "documents[1].file_name").
//
// grpc-gateway turns a decoding error into a plain InvalidArgument status
// with the error's text, so the decoder leaves the detailed error on the
// request's body (a *jsonBody) and the facade's error handler answers with
// that instead.

// jsonMarshaler is grpc-gateway's protojson marshaler with a strict decoder.
type jsonMarshaler struct{ runtime.JSONPb }

// NewDecoder implements runtime.Marshaler.
func (m *jsonMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		err := decodeBody(r, v)
		if b, ok := r.(*jsonBody); ok && err != nil && err != io.EOF {
			b.err = err
		}
		return err
	})
}

// Unmarshal implements runtime.Marshaler.
func (m *jsonMarshaler) Unmarshal(data []byte, v any) error {
	msg, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("cannot decode JSON into %T", v)
	}
	return unmarshalStrict(data, msg)
}

// jsonBody is the body of a JSON facade request: bounded in size, and the
// place where the decoder leaves a detailed error for the error handler.
type jsonBody struct {
	io.ReadCloser
	err error
}

// decodeBody reads the whole (size-limited) body and decodes it into v. An
// empty body is io.EOF, which grpc-gateway takes as an empty message.
func decodeBody(r io.Reader, v any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return &runtime.HTTPStatusError{
				HTTPStatus: http.StatusRequestEntityTooLarge,
				Err:        status.Errorf(codes.ResourceExhausted, "request body is larger than the limit of %d bytes (%d MiB); send large documents with the raw PUT upload", tooLarge.Limit, tooLarge.Limit>>20),
			}
		case errors.Is(err, os.ErrDeadlineExceeded):
			return &runtime.HTTPStatusError{
				HTTPStatus: http.StatusRequestTimeout,
				Err:        status.Error(codes.DeadlineExceeded, "request body stalled: no bytes arrived for too long"),
			}
		}
		return status.Errorf(codes.InvalidArgument, "reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return io.EOF
	}
	msg, ok := v.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "cannot decode JSON into %T", v)
	}
	return unmarshalStrict(data, msg)
}

// unmarshalStrict is protojson.Unmarshal (which refuses unknown fields and
// trailing data) with its errors turned into field violations.
func unmarshalStrict(data []byte, msg proto.Message) error {
	err := protojson.Unmarshal(data, msg)
	if err == nil {
		return nil
	}
	var v domain.Violations
	locateBody(data, msg.ProtoReflect().Descriptor(), &v)
	if v.Len() == 0 {
		// The walk below mirrors protojson; should it ever miss a case,
		// protojson's own words still reach the caller.
		v.Add("", domain.ReasonInvalidJSON, "is not a valid request: "+strings.TrimPrefix(err.Error(), "proto: "))
	}
	return invalid(&v)
}

// invalid is an InvalidArgument status carrying v as a google.rpc.BadRequest.
func invalid(v *domain.Violations) error {
	ve := v.Err().(*domain.ValidationError)
	st, err := status.New(codes.InvalidArgument, ve.Error()).WithDetails(apierr.BadRequest(ve))
	if err != nil {
		return status.Error(codes.InvalidArgument, ve.Error())
	}
	return st.Err()
}

// locateBody finds what protojson refused in data, a request body for a
// message md, and adds a violation for each problem it finds.
func locateBody(data []byte, md protoreflect.MessageDescriptor, v *domain.Violations) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		v.Add("", domain.ReasonInvalidJSON, "request body is not valid JSON: "+jsonError(err))
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		v.Add("", domain.ReasonInvalidJSON, "request body must be one JSON object with nothing after it")
	}
	l := locator{v: v}
	l.message("", md, raw)
}

// locator walks a JSON value along a message descriptor, as protojson
// reads it, and names the path of each value protojson would refuse.
type locator struct{ v *domain.Violations }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// clip shortens a name taken from the request before it is echoed in an
// error, so one request cannot inflate the answer.
func clip(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return s
}

func jsonError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// plain reports whether values of md are JSON objects whose keys are field
// names, rather than one of the well-known types protojson writes in a
// form of its own (a timestamp as a string, a wrapper as its value...).
func plain(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Package() != "google.protobuf"
}

// message checks raw as a JSON object of message md at path.
func (l *locator) message(path string, md protoreflect.MessageDescriptor, raw json.RawMessage) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		l.v.Add(path, domain.ReasonWrongType, "must be a JSON object")
		return
	}
	fields := md.Fields()
	seen := map[protoreflect.FieldNumber]bool{}
	oneofs := map[protoreflect.FullName]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return // raw was decoded once already: cannot happen
		}
		name, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return
		}
		fd := fields.ByJSONName(name)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(name))
		}
		if fd == nil {
			l.v.Add(join(path, clip(name)), domain.ReasonUnknownField, "is not a field of "+string(md.Name()))
			continue
		}
		fpath := join(path, string(fd.Name()))
		if seen[fd.Number()] {
			l.v.Add(fpath, domain.ReasonDuplicate, "is given more than once")
			continue
		}
		seen[fd.Number()] = true
		if isNull(val) && !nullable(fd) {
			continue // protojson reads null as unset
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if first, ok := oneofs[od.FullName()]; ok {
				l.v.Addf(fpath, domain.ReasonConflict, "must not be set together with %s: only one of %s can be set", first, oneofMembers(path, od))
				continue
			}
			oneofs[od.FullName()] = fpath
		}
		l.field(fpath, md, fd, val)
	}
}

// nullable reports whether protojson takes JSON null as a value of fd
// rather than as "not set".
func nullable(fd protoreflect.FieldDescriptor) bool {
	if fd.Enum() != nil && fd.Enum().FullName() == "google.protobuf.NullValue" {
		return true
	}
	return fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Value"
}

func oneofMembers(path string, od protoreflect.OneofDescriptor) string {
	var names []string
	for i := range od.Fields().Len() {
		names = append(names, string(od.Fields().Get(i).Name()))
	}
	if len(names) == 2 {
		return names[0] + " and " + names[1]
	}
	return strings.Join(names, ", ")
}

// field checks raw as the value of field fd of message md.
func (l *locator) field(path string, md protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor, raw json.RawMessage) {
	switch {
	case fd.IsList():
		dec := json.NewDecoder(bytes.NewReader(raw))
		if tok, _ := dec.Token(); tok != json.Delim('[') {
			l.v.Add(path, domain.ReasonWrongType, "must be a JSON array")
			return
		}
		for i := 0; dec.More(); i++ {
			var elem json.RawMessage
			if err := dec.Decode(&elem); err != nil {
				return
			}
			epath := fmt.Sprintf("%s[%d]", path, i)
			if isNull(elem) && !nullable(fd) {
				l.v.Add(epath, domain.ReasonWrongType, "must not be null")
				continue
			}
			l.value(epath, md, fd, elem, func(b []byte) []byte { return wrap(fd, append(append([]byte("["), b...), ']')) })
		}
	case fd.IsMap():
		dec := json.NewDecoder(bytes.NewReader(raw))
		if tok, _ := dec.Token(); tok != json.Delim('{') {
			l.v.Add(path, domain.ReasonWrongType, "must be a JSON object")
			return
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return
			}
			key, _ := tok.(string)
			var val json.RawMessage
			if err := dec.Decode(&val); err != nil {
				return
			}
			kpath := fmt.Sprintf("%s[%q]", path, clip(key))
			if seen[key] {
				l.v.Add(kpath, domain.ReasonDuplicate, "is given more than once")
				continue
			}
			seen[key] = true
			rawKey, _ := json.Marshal(key)
			l.value(kpath, md, fd.MapValue(), val, func(b []byte) []byte {
				return wrap(fd, []byte(`{`+string(rawKey)+`:`+string(b)+`}`))
			})
		}
	default:
		l.value(path, md, fd, raw, func(b []byte) []byte { return wrap(fd, b) })
	}
}

// value checks one value of field fd (an element, for lists and maps).
// Objects of plain messages are walked; anything else is checked by
// protojson itself, in a message of md holding just this value, built by
// in.
func (l *locator) value(path string, md protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor, raw json.RawMessage, in func([]byte) []byte) {
	if m := fd.Message(); m != nil && plain(m) {
		l.message(path, m, raw)
		return
	}
	if err := protojson.Unmarshal(in(raw), dynamicpb.NewMessage(md)); err != nil {
		l.v.Add(path, domain.ReasonWrongType, describe(fd))
	}
}

// wrap makes {"<json name of fd>": value}.
func wrap(fd protoreflect.FieldDescriptor, value []byte) []byte {
	name, _ := json.Marshal(fd.JSONName())
	return []byte("{" + string(name) + ":" + string(value) + "}")
}

// describe says what a value of fd must be.
func describe(fd protoreflect.FieldDescriptor) string {
	if m := fd.Message(); m != nil {
		switch m.FullName() {
		case "google.protobuf.Timestamp":
			return `must be an RFC 3339 time with a time zone from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, e.g. "2026-05-17T12:00:00Z"`
		case "google.protobuf.Duration":
			return `must be a duration in seconds with the suffix s, e.g. "1.5s"`
		case "google.protobuf.FieldMask":
			return `must be a comma-separated list of field paths`
		}
		return "must be a valid " + string(m.FullName())
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return "must be true or false"
	case protoreflect.StringKind:
		return "must be a string of valid UTF-8"
	case protoreflect.BytesKind:
		return "must be a string of base64-encoded bytes"
	case protoreflect.EnumKind:
		var names []string
		vals := fd.Enum().Values()
		for i := range vals.Len() {
			names = append(names, string(vals.Get(i).Name()))
		}
		return "must be one of " + strings.Join(names, ", ")
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "must be a whole number from -2147483648 to 2147483647"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return "must be a whole number from 0 to 4294967295"
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "must be a whole number from -9223372036854775808 to 9223372036854775807 (a JSON number or a string)"
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "must be a whole number from 0 to 18446744073709551615 (a JSON number or a string)"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "must be a number"
	}
	return "has a value of the wrong type"
}

// locateQuery finds the query parameters of a request for message md that
// grpc-gateway could not read, and adds a violation for each.
func locateQuery(query url.Values, md protoreflect.MessageDescriptor, v *domain.Violations) {
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range query {
			if !yield(k) {
				return
			}
		}
	}) {
		err := (&runtime.DefaultQueryParser{}).Parse(dynamicpb.NewMessage(md), url.Values{key: query[key]}, utilities.NewDoubleArray(nil))
		if err == nil {
			continue
		}
		path, fd := queryField(md, key)
		switch {
		case fd == nil:
			v.Add(clip(key), domain.ReasonUnknownField, "is not a valid query parameter: "+err.Error())
		case fd.Cardinality() != protoreflect.Repeated && len(query[key]) > 1:
			v.Add(path, domain.ReasonDuplicate, "must be given once")
		case fd.Message() != nil && plain(fd.Message()):
			v.Add(path, domain.ReasonWrongType, "cannot be given as a query parameter; name its fields instead")
		default:
			v.Add(path, domain.ReasonWrongType, describe(fd))
		}
	}
}

// queryField resolves a query parameter name such as "createdAfter" or
// "filter.created_after" to its proto path and field.
func queryField(md protoreflect.MessageDescriptor, key string) (string, protoreflect.FieldDescriptor) {
	var path []string
	var fd protoreflect.FieldDescriptor
	for i, seg := range strings.Split(key, ".") {
		if i > 0 {
			if fd == nil || fd.Message() == nil {
				return clip(key), nil
			}
			md = fd.Message()
		}
		fd = md.Fields().ByName(protoreflect.Name(seg))
		if fd == nil {
			fd = md.Fields().ByJSONName(seg)
		}
		if fd == nil {
			return clip(key), nil
		}
		path = append(path, string(fd.Name()))
	}
	return strings.Join(path, "."), fd
}
