package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
)

// TestHealth asks grpc.health.v1.Health with the grpc-go client.
func TestHealth(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	// Health needs no API key, as load balancers and orchestrators have none.
	health := healthpb.NewHealthClient(srv.GRPCConn(t, ""))
	for _, svc := range []string{"", "svarsign.v1.ShipmentService", "svarsign.v1.SigningService"} {
		resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil {
			t.Fatalf("Check(%q): %v", svc, err)
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, want SERVING", svc, resp.GetStatus())
		}
	}
	_, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "svarsign.v1.NoSuchService"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Check(unknown service): err = %v, want NotFound", err)
	}
}

// TestReflection lists the services with the grpc-go reflection v1 client,
// as grpcurl does, and resolves ShipmentService to its file.
func TestReflection(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	refl := reflectionpb.NewServerReflectionClient(srv.GRPCConn(t, ""))
	stream, err := refl.ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stream.CloseSend()
	ask := func(req *reflectionpb.ServerReflectionRequest) *reflectionpb.ServerReflectionResponse {
		t.Helper()
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := ask(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, want := range []string{"svarsign.v1.ShipmentService", "svarsign.v1.SigningService"} {
		if !slices.Contains(names, want) {
			t.Errorf("reflection lists %v, missing %s", names, want)
		}
	}

	resp = ask(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{
		FileContainingSymbol: "svarsign.v1.ShipmentService",
	}})
	if fds := resp.GetFileDescriptorResponse().GetFileDescriptorProto(); len(fds) == 0 {
		t.Errorf("FileContainingSymbol(ShipmentService) gave no descriptors: %v", resp)
	}
}

// TestOpenAPI fetches the OpenAPI document of the JSON facade.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json = %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	var doc struct {
		Swagger string                     `json:"swagger"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc.Swagger != "2.0" {
		t.Errorf("swagger = %q, want 2.0", doc.Swagger)
	}
	for _, p := range []string{"/v1/shipments", "/v1/shipments/{id}", "/v1/shipments/{id}/history", "/v1/signing-orders/{shipmentId}"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("openapi.json has no path %s", p)
		}
	}
}

// TestGRPCGoClient uses the protoc-gen-go-grpc client, as a Go integrator
// on plain grpc-go would.
func TestGRPCGoClient(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	c := svarsignv1.NewShipmentServiceClient(srv.GRPCConn(t, srv.Org(t, st.OrgNumber(0), "Eksempel kommune")))
	ctx := t.Context()
	letter := []byte("%PDF-1.4\n% grpc-go\n")

	start, err := c.StartShipment(ctx, &svarsignv1.StartShipmentRequest{})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadDocument(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: start.GetShipmentId(), FileName: "vedlegg.bin", MimeType: "application/octet-stream",
	}}}); err != nil {
		t.Fatal(err)
	}
	attachment := make([]byte, 3<<20)
	io.ReadFull(newGenReader(20, int64(len(attachment))), attachment)
	for off := 0; off < len(attachment); off += 1 << 20 {
		if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: attachment[off : off+1<<20]}}); err != nil {
			t.Fatal(err)
		}
	}
	upResp, err := up.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if upResp.GetDocument().GetSha256() != sha(attachment) {
		t.Fatalf("upload sha %s, want %s", upResp.GetDocument().GetSha256(), sha(attachment))
	}

	sent, err := c.SendShipment(ctx, &svarsignv1.SendShipmentRequest{
		ShipmentId:  start.GetShipmentId(),
		Title:       "Brev fra grpc-go",
		Recipient:   personRecipient(0),
		ExternalRef: "grpc-go",
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "brev.pdf", MimeType: "application/pdf", Content: letter},
			{FileName: "vedlegg.bin"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetShipment(ctx, &svarsignv1.GetShipmentRequest{Id: start.GetShipmentId()})
	if err != nil {
		t.Fatal(err)
	}
	sh := got.GetShipment()
	if sh.GetId() != sent.GetShipment().GetId() || sh.GetTitle() != "Brev fra grpc-go" || sh.GetExternalRef() != "grpc-go" ||
		len(sh.GetDocuments()) != 2 || sh.GetDocuments()[0].GetSha256() != sha(letter) || sh.GetDocuments()[1].GetSizeBytes() != 3<<20 {
		t.Fatalf("GetShipment = %v", sh)
	}

	dl, err := c.DownloadDocument(ctx, &svarsignv1.DownloadDocumentRequest{ShipmentId: sh.GetId(), DocumentId: sh.GetDocuments()[0].GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	for {
		msg, err := dl.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, msg.GetChunk()...)
	}
	if string(body) != string(letter) {
		t.Errorf("downloaded %q, want %q", body, letter)
	}

	// Errors arrive as gRPC status codes.
	if _, err := c.GetShipment(ctx, &svarsignv1.GetShipmentRequest{Id: "00000000-0000-0000-0000-000000000000"}); status.Code(err) != codes.NotFound {
		t.Errorf("GetShipment(unknown): %v, want NotFound", err)
	}
	anon := svarsignv1.NewShipmentServiceClient(srv.GRPCConn(t, "svs_0000000000000000.wrong"))
	if _, err := anon.StartShipment(ctx, &svarsignv1.StartShipmentRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("StartShipment with an unknown key: %v, want Unauthenticated", err)
	}
}

// runApp opens and runs an App the way cmd/svarsign does, with the given
// shutdown timeout (0: the default), returning a harness view of it, the
// function that stops it and the channel Run's result arrives on.
func runApp(t *testing.T, shutdown time.Duration) (srv *st.Server, dataDir string, stop context.CancelFunc, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dataDir = t.TempDir()
	a, err := app.Open(ctx, app.Config{
		Addr:            "127.0.0.1:0",
		DataDir:         dataDir,
		JobPollInterval: 50 * time.Millisecond,
		Logger:          slog.New(slog.DiscardHandler),
		ShutdownTimeout: shutdown,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	// Run's result goes to the test; the cleanup only waits for it.
	runErr := make(chan error, 1)
	ran := make(chan struct{})
	go func() {
		runErr <- a.Run(ctx)
		close(ran)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ran:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return")
		}
	})
	return &st.Server{App: a, URL: a.URL()}, dataDir, cancel, runErr
}

// TestGracefulShutdownDrains cancels Run's context while an upload is
// streaming. The listener closes at once, the upload in flight is allowed
// to finish and succeeds, and only then does Run return nil.
func TestGracefulShutdownDrains(t *testing.T) {
	t.Parallel()
	srv, dataDir, stop, done := runApp(t, 0)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	id := startShipment(t, c)

	ctx := t.Context()
	up := c.UploadDocument(ctx)
	if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "sakte.bin", MimeType: "application/octet-stream",
	}}}); err != nil {
		t.Fatal(err)
	}
	gen := newGenReader(30, 1<<40)
	h := newHashCounter()
	chunk := make([]byte, 64<<10)
	send := func() {
		t.Helper()
		io.ReadFull(gen, chunk)
		h.Write(chunk)
		if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: chunk}}); err != nil {
			t.Fatalf("Send after %d bytes: %v", h.n, err)
		}
	}
	for range 5 {
		send()
	}
	// Cancel only once the server is writing the upload: a stream whose
	// headers the server has not read yet is refused by the GOAWAY instead.
	waitFor(t, 10*time.Second, "the upload to reach the blob store", func() bool {
		return len(blobFiles(t, filepath.Join(dataDir, "blobs"))) > 0
	})

	stop()
	stopped := time.Now()
	// New connections are refused soon after the cancel.
	waitFor(t, 5*time.Second, "the listener to close", func() bool {
		conn, err := net.DialTimeout("tcp", srv.App.Addr(), time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	// The upload keeps streaming for another 1.5 s, then completes.
	for range 15 {
		time.Sleep(100 * time.Millisecond) // a client still sending after the cancel: the behaviour under test
		select {
		case err := <-done:
			t.Fatalf("Run returned (%v) %v after the cancel while an upload was still in flight", err, time.Since(stopped))
		default:
		}
		send()
	}
	resp, err := up.CloseAndReceive()
	if err != nil {
		t.Fatalf("upload in flight during shutdown failed: %v", err)
	}
	if doc := resp.Msg.GetDocument(); doc.GetSizeBytes() != h.n || doc.GetSha256() != h.sum() {
		t.Errorf("upload stored %d bytes sha %s, sent %d sha %s", doc.GetSizeBytes(), doc.GetSha256(), h.n, h.sum())
	}

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		t.Logf("Run returned %v after the cancel", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(15*time.Second - time.Since(stopped)):
		t.Fatal("Run did not return within 15 s of the cancel")
	}
}

// TestGracefulShutdownStuckUpload cancels Run's context while an upload
// keeps trickling and never finishes. Run still returns nil soon after its
// drain limit (Config.ShutdownTimeout, here 2 s); the stuck call is cut off
// and fails on the client, and the server keeps no document and no blob
// file from it.
func TestGracefulShutdownStuckUpload(t *testing.T) {
	t.Parallel()
	const drain = 2 * time.Second
	srv, dataDir, stop, done := runApp(t, drain)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	id := startShipment(t, c)

	ctx, cancelUpload := context.WithCancel(t.Context())
	defer cancelUpload()
	up := c.UploadDocument(ctx)
	if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "evig.bin", MimeType: "application/octet-stream",
	}}}); err != nil {
		t.Fatal(err)
	}
	sendErr := make(chan error, 1)
	go func() {
		chunk := make([]byte, 4<<10)
		for {
			if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: chunk}}); err != nil {
				_, err = up.CloseAndReceive()
				sendErr <- err
				return
			}
			time.Sleep(50 * time.Millisecond) // a trickle that never ends: the behaviour under test
		}
	}()
	waitFor(t, 10*time.Second, "the upload to reach the blob store", func() bool {
		return len(blobFiles(t, filepath.Join(dataDir, "blobs"))) > 0
	})

	stop()
	stopped := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		t.Logf("Run returned %v after the cancel", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(drain + 5*time.Second):
		t.Fatalf("Run did not return within %v of the cancel", drain+5*time.Second)
	}
	if d := time.Since(stopped); d < drain*9/10 {
		t.Errorf("Run returned after %v; it should have waited up to %v for the upload in flight", d, drain)
	}

	select {
	case err := <-sendErr:
		// The connection is closed under the call: gRPC reports Unavailable
		// when the client notices on reading, and connect-go Canceled when
		// it does on writing (a broken pipe or reset, which it takes for a
		// disconnect); which comes first is a race.
		if code := st.Code(err); code != connect.CodeUnavailable && code != connect.CodeCanceled {
			t.Errorf("stuck upload ended with %v (code %v), want Unavailable or Canceled", err, code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck upload did not fail after the server stopped")
	}
	waitFor(t, 5*time.Second, "the partial blob to be removed", func() bool {
		return len(blobFiles(t, filepath.Join(dataDir, "blobs"))) == 0
	})
}

// hashCounter hashes and counts what is written to it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func newHashCounter() *hashCounter { return &hashCounter{h: sha256.New()} }

func (c *hashCounter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (c *hashCounter) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }
