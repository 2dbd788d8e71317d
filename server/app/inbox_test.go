package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/signing"
)

// waitIncoming waits until ListIncoming offers at least n shipments,
// checking as the server's jobs finish, and returns them.
func waitIncoming(t *testing.T, srv *st.Server, c svarsignv1connect.ShipmentServiceClient, n int) []*svarsignv1.Shipment {
	t.Helper()
	var got []*svarsignv1.Shipment
	srv.Await(t, func() error {
		resp, err := c.ListIncoming(context.Background(), connect.NewRequest(&svarsignv1.ListIncomingRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		if got = resp.Msg.GetShipments(); len(got) < n {
			return fmt.Errorf("inbox has %d shipments, want %d", len(got), n)
		}
		return nil
	})
	return got
}

// TestReturnToSender: once signed, the signed PDF and the evidence arrive by
// themselves in the reply_to organisation's Inbox, linked to the original,
// and the Inbox offers them until they are acknowledged.
func TestReturnToSender(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	ctx := context.Background()
	sender := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	archive := srv.Org(t, st.OrgNumber(1), "Arkiv IKS")
	sc, ac := srv.Shipments(sender, st.Connect), srv.Shipments(archive, st.GRPC)

	// One order returns to the sender itself, one to another organisation.
	own, _ := sendForSigning(t, srv, sender, 0, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	contract := testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1))
	resp, err := sc.SendShipment(ctx, connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title: "Avtale", Recipient: personRecipient(1), ReplyTo: st.OrgNumber(1),
		Documents:    []*svarsignv1.DocumentSpec{{FileName: "avtale.pdf", MimeType: "application/pdf", Content: contract, Sign: true}},
		SigningOrder: &svarsignv1.SigningOrder{SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED, Deadline: timestamppb.New(time.Now().Add(48 * time.Hour))},
	}))
	if err != nil {
		t.Fatal(err)
	}
	other := resp.Msg.GetShipment().GetId()

	for i, id := range []string{own, other} {
		if _, err := srv.App.Signer().Sign(ctx, uuid.MustParse(id), signerOf(i, 3), "job-"+id); err != nil {
			t.Fatal(err)
		}
	}
	ret := waitIncoming(t, srv, sc, 1)[0]
	if got := waitIncoming(t, srv, ac, 1); got[0].GetInReplyTo() != other {
		t.Fatalf("archive's incoming shipment answers %q, want %q", got[0].GetInReplyTo(), other)
	}
	if ret.GetInReplyTo() != own || ret.GetDirection() != svarsignv1.Direction_DIRECTION_INCOMING ||
		ret.GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP {
		t.Fatalf("return shipment = %v", ret)
	}
	if len(ret.GetDocuments()) != 2 || ret.GetDocuments()[0].GetFileName() != "kontrakt-signert.pdf" || ret.GetDocuments()[1].GetFileName() != signing.EvidenceFileName {
		t.Fatalf("return documents = %v", ret.GetDocuments())
	}

	signingClient := srv.Signing(sender, st.Connect)
	order, err := signingClient.GetSigningOrder(ctx, connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: own}))
	if err != nil {
		t.Fatal(err)
	}
	if order.Msg.GetSigningOrder().GetReturnShipmentId() != ret.GetId() {
		t.Fatalf("order names return shipment %q, want %q", order.Msg.GetSigningOrder().GetReturnShipmentId(), ret.GetId())
	}
	hist, err := signingClient.GetSigningHistory(ctx, connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: own}))
	if err != nil {
		t.Fatal(err)
	}
	last := hist.Msg.GetEvents()[len(hist.Msg.GetEvents())-1]
	if last.GetReturnShipmentId() != ret.GetId() || last.GetStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED {
		t.Fatalf("completion event = %v", last)
	}
	// The returned PDF is the signed document.
	dl, err := sc.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: ret.GetId(), DocumentId: ret.GetDocuments()[0].GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for dl.Receive() {
		n += len(dl.Msg().GetChunk())
	}
	if dl.Err() != nil || int64(n) != ret.GetDocuments()[0].GetSizeBytes() {
		t.Fatalf("downloaded %d bytes (%v), want %d", n, dl.Err(), ret.GetDocuments()[0].GetSizeBytes())
	}

	// The archive cannot touch the sender's Inbox.
	if _, err := ac.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: ret.GetId()})); st.Code(err) != connect.CodeNotFound {
		t.Fatalf("other org acknowledging: %v, want NotFound", err)
	}
	// A temporary failure keeps it in the queue; acknowledging removes it.
	if _, err := sc.RejectIncoming(ctx, connect.NewRequest(&svarsignv1.RejectIncomingRequest{Id: ret.GetId(), Message: "archive busy"})); err != nil {
		t.Fatal(err)
	}
	if got := waitIncoming(t, srv, sc, 1); got[0].GetId() != ret.GetId() {
		t.Fatal("shipment left the queue after a temporary failure")
	}
	for range 2 { // acknowledging twice is the same as once
		if _, err := sc.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: ret.GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	list, err := sc.ListIncoming(ctx, connect.NewRequest(&svarsignv1.ListIncomingRequest{}))
	if err != nil || len(list.Msg.GetShipments()) != 0 {
		t.Fatalf("after acknowledging, pending inbox = %v (%v)", list.Msg.GetShipments(), err)
	}
	all, err := sc.ListIncoming(ctx, connect.NewRequest(&svarsignv1.ListIncomingRequest{IncludeAcknowledged: true}))
	if err != nil || len(all.Msg.GetShipments()) != 1 || all.Msg.GetShipments()[0].GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ {
		t.Fatalf("with acknowledged: %v (%v)", all.Msg.GetShipments(), err)
	}
	// A permanent rejection takes it out of the queue as REJECTED.
	aret := waitIncoming(t, srv, ac, 1)[0]
	if _, err := ac.RejectIncoming(ctx, connect.NewRequest(&svarsignv1.RejectIncomingRequest{Id: aret.GetId()})); st.Code(err) != connect.CodeInvalidArgument {
		t.Fatalf("reject without a message: %v, want InvalidArgument", err)
	}
	if _, err := ac.RejectIncoming(ctx, connect.NewRequest(&svarsignv1.RejectIncomingRequest{Id: aret.GetId(), Message: "wrong archive", Permanent: true})); err != nil {
		t.Fatal(err)
	}
	got, err := ac.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: aret.GetId()}))
	if err != nil || got.Msg.GetShipment().GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_REJECTED {
		t.Fatalf("after permanent rejection: %v (%v)", got.Msg.GetShipment().GetStatus(), err)
	}
	if _, err := ac.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: aret.GetId()})); st.Code(err) != connect.CodeFailedPrecondition {
		t.Fatalf("acknowledging a rejected shipment: %v, want FailedPrecondition", err)
	}
}

// TestListIncomingPaging pages through pending and then acknowledged
// shipments without losing or repeating any.
func TestListIncomingPaging(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	ctx := context.Background()
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	c := srv.Shipments(token, st.Connect)
	var ids []string
	for i := range 5 {
		id, _ := sendForSigning(t, srv, token, i, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
		if _, err := srv.App.Signer().Sign(ctx, uuid.MustParse(id), signerOf(i, 3), "job"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	incoming := waitIncoming(t, srv, c, 5)
	for _, sh := range incoming[:2] {
		if _, err := c.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: sh.GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var order []bool // pending?
	tok := ""
	for pages := 0; ; pages++ {
		resp, err := c.ListIncoming(ctx, connect.NewRequest(&svarsignv1.ListIncomingRequest{PageSize: 2, PageToken: tok, IncludeAcknowledged: true}))
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range resp.Msg.GetShipments() {
			if seen[sh.GetId()] {
				t.Fatalf("%s listed twice", sh.GetId())
			}
			seen[sh.GetId()] = true
			order = append(order, sh.GetStatus() == svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP)
		}
		if tok = resp.Msg.GetNextPageToken(); tok == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 5 {
		t.Fatalf("listed %d shipments, want 5", len(seen))
	}
	for i, pending := range order {
		if want := i < 3; pending != want {
			t.Fatalf("pending flags in listing order %v: unacknowledged must come first", order)
		}
	}
	if _, err := c.ListIncoming(ctx, connect.NewRequest(&svarsignv1.ListIncomingRequest{PageToken: "d.x"})); st.Code(err) != connect.CodeInvalidArgument {
		t.Fatalf("acknowledged-phase token without include_acknowledged: %v", err)
	}
}
