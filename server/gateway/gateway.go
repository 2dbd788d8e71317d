// Package gateway is the HTTP+JSON facade for legacy callers. It holds no
// service logic: grpc-gateway translates JSON routes (proto/http.yaml) into
// gRPC calls on the same server, and the raw document routes here stream
// bytes through the same UploadDocument and DownloadDocument RPCs.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
)

// uploadChunk is how much of a raw PUT body goes into one stream message:
// small enough to keep a 1 GiB upload well under 64 MiB of memory.
const uploadChunk = 256 << 10

// DefaultMaxBodyBytes bounds a JSON request body unless WithMaxBodyBytes
// says otherwise.
const DefaultMaxBodyBytes = 20 << 20

// Option configures the facade.
type Option func(*facade)

// WithAuthentication makes the facade check each request's credentials
// with authenticate before it reads any of the body, so an anonymous
// caller cannot make it take in and parse a message. (The services behind
// it check them again, as for any call.)
func WithAuthentication(authenticate func(context.Context, http.Header) (auth.Caller, error)) Option {
	return func(f *facade) { f.authenticate = authenticate }
}

// WithMaxBodyBytes bounds the JSON body of a request: larger bodies are
// refused with 413 before they are parsed. Raw document uploads (PUT) are
// streams and are not bound by it. Default DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) Option {
	return func(f *facade) { f.maxBody = n }
}

// New returns the facade, calling the gRPC server behind conn.
func New(ctx context.Context, conn *grpc.ClientConn, opts ...Option) (http.Handler, error) {
	f := &facade{maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(f)
	}
	mux := runtime.NewServeMux(
		runtime.WithIncomingHeaderMatcher(forwardHeader),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &jsonMarshaler{runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithErrorHandler(errorHandler),
	)
	f.mux = mux
	if err := svarsignv1.RegisterShipmentServiceHandler(ctx, mux, conn); err != nil {
		return nil, fmt.Errorf("registering ShipmentService routes: %w", err)
	}
	if err := svarsignv1.RegisterSigningServiceHandler(ctx, mux, conn); err != nil {
		return nil, fmt.Errorf("registering SigningService routes: %w", err)
	}
	client := svarsignv1.NewShipmentServiceClient(conn)
	raw := rawDocuments{mux: mux, client: client, signing: svarsignv1.NewSigningServiceClient(conn)}
	if err := mux.HandlePath(http.MethodPut, rawUploadPath, raw.put); err != nil {
		return nil, err
	}
	if err := mux.HandlePath(http.MethodGet, "/v1/shipments/{shipment_id}/documents/{document_id}/content", raw.get); err != nil {
		return nil, err
	}
	if err := mux.HandlePath(http.MethodGet, "/v1/signing-orders/{shipment_id}/signed-document", raw.signed); err != nil {
		return nil, err
	}
	return f, nil
}

// rawUploadPath is the one route whose body is not a JSON message; it is
// also the facade's only PUT route.
const rawUploadPath = "/v1/shipments/{shipment_id}/documents/{file_name}"

// facade checks credentials and bounds JSON bodies before grpc-gateway
// reads anything.
type facade struct {
	mux          *runtime.ServeMux
	authenticate func(context.Context, http.Header) (auth.Caller, error)
	maxBody      int64
}

func (f *facade) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.authenticate != nil {
		if _, err := f.authenticate(r.Context(), r.Header); err != nil {
			auth.Refused(w, r)
			_, outbound := runtime.MarshalerForRequest(f.mux, r)
			runtime.HTTPError(r.Context(), f.mux, outbound, w, r, grpcStatus(err))
			return
		}
	}
	if r.Method != http.MethodPut {
		r = r.WithContext(r.Context()) // a copy, as net/http wants its own untouched
		r.Body = &jsonBody{ReadCloser: http.MaxBytesReader(w, r.Body, f.maxBody)}
	}
	f.mux.ServeHTTP(w, r)
}

// grpcStatus turns a Connect error into the gRPC status grpc-gateway
// answers with; the two share their codes.
func grpcStatus(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	sp := &spb.Status{Code: int32(ce.Code()), Message: ce.Message()}
	for _, d := range ce.Details() {
		sp.Details = append(sp.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type(), Value: d.Bytes()})
	}
	return status.FromProto(sp).Err()
}

// errorHandler answers as grpc-gateway does, but with the field violations
// the decoder found in a JSON body, or in the query parameters, instead of
// grpc-gateway's bare InvalidArgument.
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if b, ok := r.Body.(*jsonBody); ok && b.err != nil {
		err = b.err
	} else if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument && len(s.Details()) == 0 && r.URL.RawQuery != "" {
		if md := inputOf(ctx); md != nil {
			var v domain.Violations
			locateQuery(r.URL.Query(), md, &v)
			if v.Len() > 0 {
				err = invalid(&v)
			}
		}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// inputOf returns the request message of the RPC a facade route calls.
func inputOf(ctx context.Context) protoreflect.MessageDescriptor {
	method, ok := runtime.RPCMethod(ctx) // "/svarsign.v1.ShipmentService/ListShipments"
	if !ok {
		return nil
	}
	svc, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok {
		return nil
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil
	}
	if md := sd.Methods().ByName(protoreflect.Name(name)); md != nil {
		return md.Input()
	}
	return nil
}

// forwardHeader passes the manual submission page's credentials on to the
// services: its session cookie and CSRF token (see auth.SessionCookie).
// grpc-gateway forwards Authorization by itself, and by default renames
// Cookie to grpcgateway-cookie, which the auth interceptor would not see.
func forwardHeader(key string) (string, bool) {
	switch http.CanonicalHeaderKey(key) {
	case "Cookie":
		return "cookie", true
	case http.CanonicalHeaderKey(auth.CSRFHeader):
		return strings.ToLower(auth.CSRFHeader), true
	}
	return runtime.DefaultHeaderMatcher(key)
}

type rawDocuments struct {
	mux     *runtime.ServeMux
	client  svarsignv1.ShipmentServiceClient
	signing svarsignv1.SigningServiceClient
}

func (h rawDocuments) fail(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	_, outbound := runtime.MarshalerForRequest(h.mux, r)
	runtime.HTTPError(ctx, h.mux, outbound, w, r, err)
}

// put streams a raw request body into UploadDocument.
func (h rawDocuments) put(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx, err := runtime.AnnotateContext(r.Context(), h.mux, r, svarsignv1.ShipmentService_UploadDocument_FullMethodName)
	if err != nil {
		h.fail(r.Context(), w, r, err)
		return
	}
	stream, err := h.client.UploadDocument(ctx)
	if err != nil {
		h.fail(ctx, w, r, err)
		return
	}
	mime := r.Header.Get("Content-Type")
	if mime == "" {
		mime = "application/octet-stream"
	}
	err = stream.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: params["shipment_id"], FileName: params["file_name"], MimeType: mime,
	}}})
	buf := make([]byte, uploadChunk)
	for err == nil {
		n, rerr := io.ReadFull(r.Body, buf)
		if n > 0 {
			err = stream.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: buf[:n]}})
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			stream.CloseSend()
			h.fail(ctx, w, r, fmt.Errorf("reading request body: %w", rerr))
			return
		}
	}
	// A send error means the server ended the stream; CloseAndRecv reports why.
	resp, err := stream.CloseAndRecv()
	if err != nil {
		h.fail(ctx, w, r, err)
		return
	}
	outbound, _ := runtime.MarshalerForRequest(h.mux, r)
	body, err := outbound.Marshal(resp)
	if err != nil {
		h.fail(ctx, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(body)
}

// downloadPart is what both download streams send: the document first,
// then chunks.
type downloadPart interface {
	GetDocument() *svarsignv1.Document
	GetChunk() []byte
}

// serveDownload writes a download stream as a plain HTTP response body.
func serveDownload[M downloadPart](h rawDocuments, ctx context.Context, w http.ResponseWriter, r *http.Request, recv func() (M, error)) {
	first, err := recv()
	if err != nil {
		h.fail(ctx, w, r, err)
		return
	}
	doc := first.GetDocument()
	w.Header().Set("Content-Type", doc.GetMimeType())
	w.Header().Set("Content-Length", strconv.FormatInt(doc.GetSizeBytes(), 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", doc.GetFileName()))
	w.Header().Set("X-Content-Sha256", doc.GetSha256())
	for {
		msg, err := recv()
		if err == io.EOF {
			return
		}
		if err != nil {
			// Headers are gone; cutting the body short is the only signal left.
			panic(http.ErrAbortHandler)
		}
		if _, err := w.Write(msg.GetChunk()); err != nil {
			return
		}
	}
}

// get streams a document's bytes as the response body.
func (h rawDocuments) get(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx, err := runtime.AnnotateContext(r.Context(), h.mux, r, svarsignv1.ShipmentService_DownloadDocument_FullMethodName)
	if err != nil {
		h.fail(r.Context(), w, r, err)
		return
	}
	stream, err := h.client.DownloadDocument(ctx, &svarsignv1.DownloadDocumentRequest{
		ShipmentId: params["shipment_id"], DocumentId: params["document_id"],
	})
	if err != nil {
		h.fail(ctx, w, r, err)
		return
	}
	serveDownload(h, ctx, w, r, stream.Recv)
}

// signed streams the signed PDF of a signing order as the response body.
func (h rawDocuments) signed(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx, err := runtime.AnnotateContext(r.Context(), h.mux, r, svarsignv1.SigningService_DownloadSignedDocument_FullMethodName)
	if err != nil {
		h.fail(r.Context(), w, r, err)
		return
	}
	stream, err := h.signing.DownloadSignedDocument(ctx, &svarsignv1.DownloadSignedDocumentRequest{ShipmentId: params["shipment_id"]})
	if err != nil {
		h.fail(ctx, w, r, err)
		return
	}
	serveDownload(h, ctx, w, r, stream.Recv)
}
