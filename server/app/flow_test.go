package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func personRecipient(n int) *svarsignv1.Recipient {
	return &svarsignv1.Recipient{
		Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: st.Person(n)},
		Name:     "Kari Nordmann",
		PostalAddress: &svarsignv1.PostalAddress{
			Lines: []string{"Storgata 1"}, PostalCode: "0155", PostalArea: "Oslo",
		},
	}
}

// TestSendAndFollow sends a shipment with two documents over each protocol
// and follows it through its lifecycle, as a case system would.
func TestSendAndFollow(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	for _, p := range []st.Protocol{st.GRPC, st.Connect, st.GRPCWeb} {
		t.Run(string(p), func(t *testing.T) {
			testSendAndFollow(t, srv, srv.Shipments(token, p), string(p))
		})
	}
}

// TestSendAndFollowPostgres runs the same flow on PostgreSQL, the production
// database, with River on the same database.
func TestSendAndFollowPostgres(t *testing.T) {
	t.Parallel()
	dsn := databasetest.PostgresDSN(t)
	srv := st.Start(t, func(c *app.Config) { c.DatabaseURL = dsn })
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	testSendAndFollow(t, srv, srv.Shipments(token, st.GRPC), "postgres")
}

func testSendAndFollow(t *testing.T, srv *st.Server, c svarsignv1connect.ShipmentServiceClient, ref string) {
	ctx := context.Background()
	letter := []byte("%PDF-1.4\n% a letter\n")
	attachment := bytes.Repeat([]byte("vedlegg "), 1000)

	start, err := c.StartShipment(ctx, connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	id := start.Msg.GetShipmentId()
	up := c.UploadDocument(ctx)
	if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{
		ShipmentId: id, FileName: "vedlegg.txt", MimeType: "text/plain",
	}}}); err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(attachment); off += 3000 {
		chunk := attachment[off:min(off+3000, len(attachment))]
		if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: chunk}}); err != nil {
			t.Fatal(err)
		}
	}
	upResp, err := up.CloseAndReceive()
	if err != nil {
		t.Fatal(err)
	}
	if got := upResp.Msg.GetDocument(); got.GetSizeBytes() != int64(len(attachment)) || got.GetSha256() != sha(attachment) {
		t.Fatalf("upload stored size %d sha %s, want %d %s", got.GetSizeBytes(), got.GetSha256(), len(attachment), sha(attachment))
	}

	send, err := c.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		ShipmentId:   id,
		Title:        "Vedtak om byggesak",
		Recipient:    personRecipient(0),
		SenderSystem: "Sak 1.0",
		ExternalRef:  "ref-" + ref,
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "vedtak.pdf", MimeType: "application/pdf", Content: letter, Metadata: map[string]string{"type": "vedtak"}},
			{FileName: "vedlegg.txt"},
		},
		ArchiveMetadata: &svarsignv1.ArchiveMetadata{CaseYear: 2026, CaseSequence: 42, DocumentDate: "2026-11-25"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	sh := send.Msg.GetShipment()
	if sh.GetId() != id || sh.GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED {
		t.Fatalf("sent shipment id %s status %v, want %s RECEIVED", sh.GetId(), sh.GetStatus(), id)
	}
	if len(sh.GetDocuments()) != 2 || sh.GetDocuments()[0].GetFileName() != "vedtak.pdf" || sh.GetDocuments()[1].GetSha256() != sha(attachment) {
		t.Fatalf("documents = %v", sh.GetDocuments())
	}
	if sh.GetReplyTo() != sh.GetSenderOrganizationNumber() || sh.GetReplyTo() == "" {
		t.Errorf("reply_to %q should default to the sender %q", sh.GetReplyTo(), sh.GetSenderOrganizationNumber())
	}

	srv.WaitStatus(t, c, id, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)

	found, err := c.FindByExternalRef(ctx, connect.NewRequest(&svarsignv1.FindByExternalRefRequest{ExternalRef: "ref-" + ref}))
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Msg.GetShipments()) != 1 || found.Msg.GetShipments()[0].GetId() != id {
		t.Fatalf("FindByExternalRef = %v", found.Msg.GetShipments())
	}

	read, err := c.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	if read.Msg.GetShipment().GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ || read.Msg.GetShipment().GetReadTime() == nil {
		t.Fatalf("after MarkRead: %v", read.Msg.GetShipment())
	}

	hist, err := c.GetHistory(ctx, connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	var got []svarsignv1.ShipmentStatus
	for _, e := range hist.Msg.GetEvents() {
		got = append(got, e.GetStatus())
	}
	want := []svarsignv1.ShipmentStatus{
		svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_ACCEPTED,
		svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ,
	}
	if len(got) != len(want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("history %v, want %v", got, want)
		}
	}

	statuses, err := c.GetStatuses(ctx, connect.NewRequest(&svarsignv1.GetStatusesRequest{Ids: []string{id}}))
	if err != nil {
		t.Fatal(err)
	}
	if s := statuses.Msg.GetStatuses(); len(s) != 1 || s[0].GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ {
		t.Fatalf("GetStatuses = %v", s)
	}

	dl, err := c.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: id, DocumentId: sh.GetDocuments()[1].GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	for dl.Receive() {
		body.Write(dl.Msg().GetChunk())
	}
	if err := dl.Err(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if !bytes.Equal(body.Bytes(), attachment) {
		t.Fatalf("downloaded %d bytes, want the %d uploaded", body.Len(), len(attachment))
	}
}

// TestSendReplacesAndDropsUploads: inline content replaces an upload of the
// same name (in any case), and an upload the send does not mention is not
// part of the shipment; their bytes are removed.
func TestSendReplacesAndDropsUploads(t *testing.T) {
	t.Parallel()
	dir := ""
	srv := st.Start(t, func(c *app.Config) { dir = c.DataDir })
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	ctx := context.Background()
	start, err := c.StartShipment(ctx, connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	id := start.Msg.GetShipmentId()
	for _, name := range []string{"brev.txt", "glemt.txt"} {
		up := c.UploadDocument(ctx)
		up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: name, MimeType: "text/plain"}}})
		up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: []byte("uploaded " + name)}})
		if _, err := up.CloseAndReceive(); err != nil {
			t.Fatal(err)
		}
	}
	inline := []byte("inline wins")
	resp, err := c.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		ShipmentId: id, Title: "Brev", Recipient: personRecipient(0),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "Brev.TXT", MimeType: "text/plain", Content: inline}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	docs := resp.Msg.GetShipment().GetDocuments()
	if len(docs) != 1 || docs[0].GetFileName() != "Brev.TXT" || docs[0].GetSha256() != sha(inline) {
		t.Fatalf("documents = %v, want only the inline Brev.TXT", docs)
	}
	var files int
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files != 1 {
		t.Fatalf("%d blob files remain, want 1 (the replaced and the unused upload are gone)", files)
	}
}
