package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent/document"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// genReader yields n deterministic pseudo-random bytes, generated as they
// are read, so a test can stream hundreds of MiB without holding them.
type genReader struct {
	rng *rand.ChaCha8
	n   int64
}

func newGenReader(seed uint64, n int64) *genReader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return &genReader{rng: rand.NewChaCha8(s), n: n}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.n {
		p = p[:g.n]
	}
	n, _ := g.rng.Read(p)
	g.n -= int64(n)
	return n, nil
}

// genSHA256 is the hash of what newGenReader(seed, n) yields, computed
// independently of any upload.
func genSHA256(t testing.TB, seed uint64, n int64) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, newGenReader(seed, n)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// uploadStream sends a header and then r in chunks of chunkSize over
// UploadDocument, hashing exactly the bytes it sent. One chunk buffer is
// reused, so memory stays at a chunk whatever the size.
func uploadStream(ctx context.Context, c svarsignv1connect.ShipmentServiceClient, header *svarsignv1.UploadDocumentHeader, r io.Reader, chunkSize int) (doc *svarsignv1.Document, sent int64, sum string, err error) {
	up := c.UploadDocument(ctx)
	h := sha256.New()
	err = up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: header}})
	buf := make([]byte, chunkSize)
	for err == nil {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			sent += int64(n)
			err = up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: buf[:n]}})
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return nil, sent, "", rerr
		}
	}
	// A Send error means the server ended the stream; CloseAndReceive says why.
	resp, err := up.CloseAndReceive()
	if err != nil {
		return nil, sent, "", err
	}
	return resp.Msg.GetDocument(), sent, hex.EncodeToString(h.Sum(nil)), nil
}

// downloadSHA256 streams a document back and returns its description, size and hash.
func downloadSHA256(ctx context.Context, c svarsignv1connect.ShipmentServiceClient, shipmentID, docID string) (*svarsignv1.Document, int64, string, error) {
	dl, err := c.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: shipmentID, DocumentId: docID}))
	if err != nil {
		return nil, 0, "", err
	}
	defer dl.Close()
	var doc *svarsignv1.Document
	var n int64
	h := sha256.New()
	for dl.Receive() {
		if d := dl.Msg().GetDocument(); d != nil {
			doc = d
		}
		h.Write(dl.Msg().GetChunk())
		n += int64(len(dl.Msg().GetChunk()))
	}
	if err := dl.Err(); err != nil {
		return nil, 0, "", err
	}
	return doc, n, hex.EncodeToString(h.Sum(nil)), nil
}

func startShipment(t testing.TB, c svarsignv1connect.ShipmentServiceClient) string {
	t.Helper()
	resp, err := c.StartShipment(context.Background(), connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.GetShipmentId()
}

// blobFiles lists the regular files under dir, temporary ones included.
func blobFiles(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// startWithDataDir starts a server and reports its data folder.
func startWithDataDir(t testing.TB) (*st.Server, string) {
	t.Helper()
	var dataDir string
	srv := st.Start(t, func(c *app.Config) { dataDir = c.DataDir })
	if dataDir == "" {
		t.Fatal("config hook saw no DataDir")
	}
	return srv, dataDir
}

const bigUpload = 200 << 20

// TestUploadLargeGRPC streams 200 MiB through UploadDocument over gRPC,
// sends the shipment with it and streams it back; the hashes must agree.
func TestUploadLargeGRPC(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("streams 200 MiB each way")
	}
	ctx := t.Context()
	srv := st.Start(t)
	// A gRPC client like srv.Shipments(token, st.GRPC), except that it does
	// not offer gzip: the server would compress these random bytes for
	// nothing, at a cost of seconds of CPU. The other tests' clients do.
	c := svarsignv1connect.NewShipmentServiceClient(h2c(), srv.URL, connect.WithGRPC(),
		connect.WithInterceptors(auth.WithToken(srv.Org(t, st.OrgNumber(0), "Stor kommune"))),
		connect.WithReadMaxBytes(64<<20), connect.WithAcceptCompression("gzip", nil, nil))
	id := startShipment(t, c)

	doc, sent, sum, err := uploadStream(ctx, c, &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "stor.bin", MimeType: "application/octet-stream",
	}, newGenReader(1, bigUpload), 1<<20)
	if err != nil {
		t.Fatalf("UploadDocument: %v", err)
	}
	if sent != bigUpload {
		t.Fatalf("sent %d bytes, want %d", sent, bigUpload)
	}
	if doc.GetSizeBytes() != bigUpload || doc.GetSha256() != sum {
		t.Fatalf("server stored size %d sha %s, client sent %d bytes sha %s", doc.GetSizeBytes(), doc.GetSha256(), sent, sum)
	}

	send, err := c.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		ShipmentId: id,
		Title:      "Store vedlegg",
		Recipient:  personRecipient(0),
		Documents:  []*svarsignv1.DocumentSpec{{FileName: "stor.bin"}},
	}))
	if err != nil {
		t.Fatalf("SendShipment: %v", err)
	}
	docs := send.Msg.GetShipment().GetDocuments()
	if len(docs) != 1 || docs[0].GetSizeBytes() != bigUpload || docs[0].GetSha256() != sum || docs[0].GetMimeType() != "application/octet-stream" {
		t.Fatalf("sent documents = %v, want one of %d bytes sha %s", docs, int64(bigUpload), sum)
	}

	got, n, gotSum, err := downloadSHA256(ctx, c, id, docs[0].GetId())
	if err != nil {
		t.Fatalf("DownloadDocument: %v", err)
	}
	if n != bigUpload || gotSum != sum {
		t.Fatalf("downloaded %d bytes sha %s, want %d bytes sha %s", n, gotSum, int64(bigUpload), sum)
	}
	if got.GetId() != docs[0].GetId() || got.GetSha256() != sum {
		t.Errorf("download header = %v", got)
	}
}

// TestUploadLargeRawPUT streams 200 MiB through the JSON facade's raw PUT
// route from an io.Reader of unknown length (chunked transfer encoding) and
// reads it back through the raw GET route.
func TestUploadLargeRawPUT(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("streams 200 MiB each way")
	}
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Stor kommune")
	c := srv.Shipments(token, st.Connect)
	id := startShipment(t, c)
	want := genSHA256(t, 2, bigUpload)

	// Wrapping hides the length, so the body is sent chunked, as a proxy
	// relaying a stream would.
	body := struct{ io.Reader }{newGenReader(2, bigUpload)}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut,
		srv.URL+"/v1/shipments/"+id+"/documents/"+url.PathEscape("stor fil.bin"), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT = %s: %s", resp.Status, respBody)
	}
	var put struct {
		Document jsonDocument `json:"document"`
	}
	decodeJSON(t, respBody, &put)
	if put.Document.FileName != "stor fil.bin" || put.Document.SizeBytes != strconv.Itoa(bigUpload) || put.Document.Sha256 != want {
		t.Fatalf("PUT stored %+v, want stor fil.bin of %d bytes sha %s", put.Document, bigUpload, want)
	}

	send, err := c.SendShipment(t.Context(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
		ShipmentId: id, Title: "Store vedlegg", Recipient: personRecipient(0),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "stor fil.bin"}},
	}))
	if err != nil {
		t.Fatalf("SendShipment: %v", err)
	}
	docID := send.Msg.GetShipment().GetDocuments()[0].GetId()

	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1/shipments/"+id+"/documents/"+docID+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET content = %s: %s", resp.Status, b)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		t.Fatalf("reading content after %d bytes: %v", n, err)
	}
	if n != bigUpload || hex.EncodeToString(h.Sum(nil)) != want {
		t.Fatalf("GET content gave %d bytes sha %x, want %d bytes sha %s", n, h.Sum(nil), bigUpload, want)
	}
	if resp.ContentLength != bigUpload || resp.Header.Get("X-Content-Sha256") != want {
		t.Errorf("GET content headers: Content-Length %d, X-Content-Sha256 %q", resp.ContentLength, resp.Header.Get("X-Content-Sha256"))
	}
}

// TestUploadSameNameReplaces uploads one file name twice (the second time in
// other letter case): the shipment keeps one document with the second
// content, and the first blob is gone.
func TestUploadSameNameReplaces(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, dataDir := startWithDataDir(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	id := startShipment(t, c)

	first, _, firstSum, err := uploadStream(ctx, c, &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "brev.txt", MimeType: "text/plain",
	}, newGenReader(10, 300<<10), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	second, _, secondSum, err := uploadStream(ctx, c, &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "Brev.TXT", MimeType: "application/pdf",
	}, newGenReader(11, 200<<10), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	if firstSum == secondSum || first.GetSha256() != firstSum || second.GetSha256() != secondSum {
		t.Fatalf("upload hashes: first %s (sent %s), second %s (sent %s)", first.GetSha256(), firstSum, second.GetSha256(), secondSum)
	}
	if n, err := srv.App.DB().Ent.Document.Query().Where(document.ShipmentID(uuid.MustParse(id))).Count(databasetest.Context(t)); err != nil || n != 1 {
		t.Fatalf("document rows for the shipment = %d (err %v), want 1", n, err)
	}
	if files := blobFiles(t, filepath.Join(dataDir, "blobs")); len(files) != 1 {
		t.Errorf("blob files = %v, want only the second upload", files)
	}

	send, err := c.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		ShipmentId: id, Title: "Brev", Recipient: personRecipient(0),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "brev.txt"}},
	}))
	if err != nil {
		t.Fatalf("SendShipment: %v", err)
	}
	docs := send.Msg.GetShipment().GetDocuments()
	if len(docs) != 1 || docs[0].GetSha256() != secondSum || docs[0].GetSizeBytes() != 200<<10 || docs[0].GetMimeType() != "application/pdf" {
		t.Fatalf("sent documents = %v, want the second upload (sha %s, 200 KiB, application/pdf)", docs, secondSum)
	}
	_, n, gotSum, err := downloadSHA256(ctx, c, id, docs[0].GetId())
	if err != nil || n != 200<<10 || gotSum != secondSum {
		t.Fatalf("download: %d bytes sha %s err %v, want the second upload", n, gotSum, err)
	}
}

// TestUploadChunkBeforeHeader sends a chunk first: InvalidArgument, nothing stored.
func TestUploadChunkBeforeHeader(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, dataDir := startWithDataDir(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	startShipment(t, c)

	up := c.UploadDocument(ctx)
	// The server may end the stream before the second send arrives; then
	// Send reports io.EOF and CloseAndReceive carries the error.
	_ = up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: []byte("too early")}})
	_ = up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: []byte("still no header")}})
	_, err := up.CloseAndReceive()
	if st.Code(err) != connect.CodeInvalidArgument {
		t.Fatalf("chunk before header: err = %v, want InvalidArgument", err)
	}
	if n, err := srv.App.DB().Ent.Document.Query().Count(databasetest.Context(t)); err != nil || n != 0 {
		t.Errorf("document rows = %d (err %v), want 0", n, err)
	}
	if files := blobFiles(t, filepath.Join(dataDir, "blobs")); len(files) != 0 {
		t.Errorf("blob files = %v, want none", files)
	}

	// A header after chunks started is refused too.
	id := startShipment(t, c)
	up = c.UploadDocument(ctx)
	hdr := &svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "a.txt", MimeType: "text/plain",
	}}}
	_ = up.Send(hdr)
	_ = up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: []byte("abc")}})
	_ = up.Send(hdr)
	_, err = up.CloseAndReceive()
	if st.Code(err) != connect.CodeInvalidArgument {
		t.Fatalf("second header: err = %v, want InvalidArgument", err)
	}
	if n, err := srv.App.DB().Ent.Document.Query().Count(databasetest.Context(t)); err != nil || n != 0 {
		t.Errorf("document rows = %d (err %v), want 0", n, err)
	}
}

// TestUploadCancelledLeavesNothing cancels an upload while the server is
// writing it: no document row and no blob file (temporary or final) remain.
func TestUploadCancelledLeavesNothing(t *testing.T) {
	t.Parallel()
	srv, dataDir := startWithDataDir(t)
	blobDir := filepath.Join(dataDir, "blobs")
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	id := startShipment(t, c)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	up := c.UploadDocument(ctx)
	if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "avbrutt.bin", MimeType: "application/octet-stream",
	}}}); err != nil {
		t.Fatal(err)
	}
	gen := newGenReader(3, 1<<40)
	chunk := make([]byte, 1<<20)
	for range 8 {
		io.ReadFull(gen, chunk)
		if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: chunk}}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	// Wait until the server is writing the blob, so the cancel lands mid-write.
	waitFor(t, 10*time.Second, "a temporary blob file to appear", func() bool {
		return len(blobFiles(t, blobDir)) > 0
	})
	cancel()
	if _, err := up.CloseAndReceive(); st.Code(err) != connect.CodeCanceled {
		t.Errorf("CloseAndReceive after cancel: err = %v, want Canceled", err)
	}

	waitFor(t, 10*time.Second, "blob files to be removed", func() bool {
		return len(blobFiles(t, blobDir)) == 0
	})
	if n, err := srv.App.DB().Ent.Document.Query().Count(databasetest.Context(t)); err != nil || n != 0 {
		t.Errorf("document rows = %d (err %v), want 0", n, err)
	}

	// The shipment is still a usable draft.
	doc, _, sum, err := uploadStream(t.Context(), c, &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "avbrutt.bin", MimeType: "application/octet-stream",
	}, newGenReader(4, 1000), 1<<20)
	if err != nil || doc.GetSha256() != sum {
		t.Fatalf("upload after cancel: %v, %v", doc, err)
	}
}

// waitFor polls cond (st.Eventually) until it holds, failing after d: for
// what no job reports, such as files in the blob store or a listener.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	st.Eventually(t, d, func() error {
		if !cond() {
			return fmt.Errorf("still waiting for %s", what)
		}
		return nil
	})
}
