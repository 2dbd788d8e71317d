package app_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
)

// printSweep is the kind of the read-deadline sweep (jobs.PrintSweepArgs).
const printSweep = "print_unread"

// wantStatus fails unless the shipment is now in want.
func wantStatus(t *testing.T, c svarsignv1connect.ShipmentServiceClient, id string, want svarsignv1.ShipmentStatus) {
	t.Helper()
	resp, err := c.GetShipment(context.Background(), connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		t.Fatalf("GetShipment %s: %v", id, err)
	}
	if got := resp.Msg.GetShipment().GetStatus(); got != want {
		t.Fatalf("shipment %s is %v, want %v", id, got, want)
	}
}

// TestUnreadGoesToPrint: a delivered shipment still unread after the read
// deadline goes to print (SENDT_PRINT) if it has a postal address, is
// NOT_DELIVERED without one, and stays NOTIFIED when digital only; a read
// one is left alone, and a signing order can still be signed.
func TestUnreadGoesToPrint(t *testing.T) {
	t.Parallel()
	clock := st.NewClock(time.Now())
	srv := st.Start(t, func(c *app.Config) {
		c.Clock = clock.Now
		c.ReadDeadline = 48 * time.Hour
		c.PrintInterval = 100 * time.Millisecond
	})
	ctx := context.Background()
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	c := srv.Shipments(token, st.Connect)
	send := func(r *svarsignv1.Recipient, digitalOnly bool) string {
		return sendOK(t, c, &svarsignv1.SendShipmentRequest{
			Title: "Vedtak", Recipient: r, OnlyDigital: digitalOnly,
			Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: []byte("x")}},
		}).GetId()
	}
	noAddress := personRecipient(1)
	noAddress.PostalAddress = nil
	printed := send(personRecipient(0), false)
	lost := send(noAddress, false)
	digital := send(personRecipient(2), true)
	read := send(personRecipient(3), false)
	signable, _ := sendForSigning(t, srv, token, 4, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	for _, id := range []string{printed, lost, digital, read, signable} {
		srv.WaitStatus(t, c, id, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	}
	if _, err := c.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: read})); err != nil {
		t.Fatal(err)
	}
	// A sweep that started after everything was delivered and read, before
	// the deadline, changes nothing.
	srv.WaitJob(t, printSweep, time.Now())
	for _, id := range []string{printed, lost, digital, signable} {
		wantStatus(t, c, id, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	}
	wantStatus(t, c, read, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ)

	clock.Advance(49 * time.Hour)
	overdue := time.Now()
	srv.WaitStatus(t, c, printed, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_SENT_TO_PRINT)
	srv.WaitStatus(t, c, lost, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOT_DELIVERED)
	srv.WaitStatus(t, c, signable, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_SENT_TO_PRINT)
	// A sweep that started past the deadline has run: it left these alone.
	srv.WaitJob(t, printSweep, overdue)
	for id, want := range map[string]svarsignv1.ShipmentStatus{
		digital: svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED,
		read:    svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ,
	} {
		wantStatus(t, c, id, want)
	}
	wantHistory(t, c, printed, "RECEIVED", "ACCEPTED", "NOTIFIED", "SENT_TO_PRINT")

	// The printed letter can still be signed, and read, afterwards.
	if _, err := srv.App.Signer().Sign(ctx, uuid.MustParse(signable), signerOf(4, 3), "job"); err != nil {
		t.Fatalf("signing after print: %v", err)
	}
	if _, err := c.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: printed})); err != nil {
		t.Fatalf("marking a printed shipment read: %v", err)
	}
}
