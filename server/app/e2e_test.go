package app_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/mailbox/citizen"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

// TestEndToEnd is the mission in one test: a case system sends over gRPC, the
// citizen logs in, opens and signs over HTTP as a browser would, and the
// sender learns of the return through WatchEvents, ListIncoming and a
// webhook, downloads the signed PDF (which pdfsig verifies) and
// acknowledges it. Every status and both histories are checked.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	testpdf.NeedQPDF(t)
	srv, token, rc, stream := webhookSetup(t)
	ctx := context.Background()
	c := srv.Shipments(token, st.GRPC)
	// A letter, delivered before anything else happens; marking it read
	// at the end makes the stream's last event.
	letter := sendLetter(t, c, 1)
	srv.WaitStatus(t, c, letter, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	id, contract := sendForSigning(t, srv, token, 0, svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED, false)

	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	browser := citizen.New(srv.URL)
	if err := browser.Login(cctx, st.Person(0), "Kari Nordmann", 3); err != nil {
		t.Fatal(err)
	}
	if err := browser.WaitListed(cctx, id); err != nil {
		t.Fatal(err)
	}
	if page, err := browser.Open(cctx, id); err != nil || !strings.Contains(page, "kontrakt.pdf") {
		t.Fatalf("opening: %v\n%s", err, page)
	}
	if err := browser.Sign(cctx, id); err != nil {
		t.Fatal(err)
	}

	// WatchEvents tells the sender the order is signed and returned.
	seen := stream.until(t, func(e *svarsignv1.WatchEventsResponse) bool {
		return e.GetShipmentId() == id && strings.HasPrefix(e.GetText(), "Completed")
	})
	var retID string
	for _, e := range seen {
		if e.GetShipmentId() != id && e.GetStatus() == svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP {
			retID = e.GetShipmentId()
		}
	}
	if retID == "" {
		t.Fatalf("the stream did not show the return shipment arriving: %v", seen)
	}
	// ListIncoming offers it.
	ret := waitIncoming(t, srv, c, 1)[0]
	if ret.GetId() != retID || ret.GetInReplyTo() != id {
		t.Fatalf("inbox holds %s (in reply to %s), the stream said %s for %s", ret.GetId(), ret.GetInReplyTo(), retID, id)
	}
	// The signed PDF verifies with pdfsig, qpdf and svarsign's verifier.
	var pdf bytes.Buffer
	dl, err := c.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: ret.GetId(), DocumentId: ret.GetDocuments()[0].GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	for dl.Receive() {
		pdf.Write(dl.Msg().GetChunk())
	}
	if err := dl.Err(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Bytes(), contract) || sha(pdf.Bytes()) != ret.GetDocuments()[0].GetSha256() {
		t.Fatal("the returned PDF is not the signed contract")
	}
	path := filepath.Join(t.TempDir(), "kontrakt-signert.pdf")
	testpdf.Write(t, path, pdf.Bytes())
	testpdf.CheckValid(t, path, 1)
	roots, err := pki.LoadPool(srv.App.CARoot())
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := verify.File(bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), roots); err != nil || !rep.OK() {
		t.Fatalf("verify: %v", err)
	}
	if _, err := c.AcknowledgeIncoming(ctx, connect.NewRequest(&svarsignv1.AcknowledgeIncomingRequest{Id: ret.GetId()})); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, stream.until(t, is(ret.GetId(), svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ))...)
	// Nothing else comes after: the letter marked read is the next event.
	if _, err := c.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: letter})); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, stream.next(t, is(letter, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ)))
	// The webhook got exactly what the stream showed, in order, once each.
	checkDelivered(t, srv, rc, seen)

	// Both histories, as the sender reads them.
	wantHistory(t, c, id, "RECEIVED", "ACCEPTED", "NOTIFIED", "READ")
	wantHistory(t, c, ret.GetId(), "READY_FOR_PICKUP", "READ")
	hist, err := srv.Signing(token, st.Connect).GetSigningHistory(ctx, connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: id}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range hist.Msg.GetEvents() {
		got = append(got, strings.TrimPrefix(e.GetStatus().String(), "SIGNING_STATUS_")+": "+strings.Fields(e.GetText())[0])
	}
	want := []string{"WAITING: Signing", "WAITING: Signing", "SIGNED: Signed", "SIGNED: Completed:"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("signing history %q, want %q", got, want)
	}
	if last := hist.Msg.GetEvents()[3]; last.GetReturnShipmentId() != ret.GetId() {
		t.Fatalf("completion event names %q, want the return shipment %s", last.GetReturnShipmentId(), ret.GetId())
	}
}

// wantHistory checks a shipment's history statuses, oldest first.
func wantHistory(t *testing.T, c interface {
	GetHistory(context.Context, *connect.Request[svarsignv1.GetHistoryRequest]) (*connect.Response[svarsignv1.GetHistoryResponse], error)
}, id string, want ...string) {
	t.Helper()
	hist, err := c.GetHistory(context.Background(), connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range hist.Msg.GetEvents() {
		got = append(got, strings.TrimPrefix(e.GetStatus().String(), "SHIPMENT_STATUS_"))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("history of %s: %v, want %v", id, got, want)
	}
}
