package app_test

import (
	"bytes"
	"context"
	"testing"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// TestDeliveryBetweenOrganisations: a shipment to an organisation that uses
// svarsign lands in its Inbox (SvarInn) and is READY_FOR_PICKUP for the
// sender until the recipient's system acknowledges (→ READ) or refuses it
// for good (→ REJECTED); to any other organisation it is NOTIFIED as before.
func TestDeliveryBetweenOrganisations(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	ctx := context.Background()
	a := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	b := srv.Shipments(srv.Org(t, st.OrgNumber(1), "Nabo kommune"), st.Connect)
	toB := func(title string) *svarsignv1.Shipment {
		return sendOK(t, a, &svarsignv1.SendShipmentRequest{
			Title: title, ExternalRef: "ref-" + title,
			Recipient: &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: st.OrgNumber(1)}, Name: "Nabo kommune"},
			Documents: []*svarsignv1.DocumentSpec{{FileName: "brev.txt", MimeType: "text/plain", Content: []byte("hei " + title)}},
		})
	}
	kept, refused := toB("kept"), toB("refused")
	other := sendOK(t, a, &svarsignv1.SendShipmentRequest{
		Title:     "elsewhere",
		Recipient: &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: st.OrgNumber(9)}},
		Documents: []*svarsignv1.DocumentSpec{{FileName: "brev.txt", MimeType: "text/plain", Content: []byte("x")}},
	})
	srv.WaitStatus(t, a, kept.GetId(), svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP)
	srv.WaitStatus(t, a, refused.GetId(), svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP)
	srv.WaitStatus(t, a, other.GetId(), svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)

	inbox := waitIncoming(t, srv, b, 2)
	copies := map[string]*svarsignv1.Shipment{}
	for _, s := range inbox {
		copies[s.GetTitle()] = s
	}
	got := copies["kept"]
	if got == nil || got.GetSenderOrganizationNumber() != st.OrgNumber(0) || got.GetExternalRef() != "ref-kept" || len(got.GetDocuments()) != 1 {
		t.Fatalf("B's Inbox copy = %v", got)
	}
	dl, err := b.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: got.GetId(), DocumentId: got.GetDocuments()[0].GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	for dl.Receive() {
		body.Write(dl.Msg().GetChunk())
	}
	if dl.Err() != nil || body.String() != "hei kept" {
		t.Fatalf("B downloaded %q (%v)", body.String(), dl.Err())
	}
	// A cannot reach B's copy, nor B A's original.
	if _, err := a.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: got.GetId()})); st.Code(err) != connect.CodeNotFound {
		t.Fatalf("sender reading the recipient's copy: %v", err)
	}
	if _, err := b.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: kept.GetId()})); st.Code(err) != connect.CodeNotFound {
		t.Fatalf("recipient reading the sender's original: %v", err)
	}

	if _, err := b.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: got.GetId()})); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RejectIncoming(ctx, connect.NewRequest(&svarsignv1.RejectIncomingRequest{Id: copies["refused"].GetId(), Message: "not ours"})); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RejectIncoming(ctx, connect.NewRequest(&svarsignv1.RejectIncomingRequest{Id: copies["refused"].GetId(), Message: "wrong recipient", Permanent: true})); err != nil {
		t.Fatal(err)
	}
	wantHistory(t, a, kept.GetId(), "RECEIVED", "ACCEPTED", "READY_FOR_PICKUP", "READ")
	wantHistory(t, a, refused.GetId(), "RECEIVED", "ACCEPTED", "READY_FOR_PICKUP", "READY_FOR_PICKUP", "REJECTED")
	wantHistory(t, b, got.GetId(), "READY_FOR_PICKUP", "READ")
}
