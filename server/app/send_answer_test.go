package app_test

import (
	"context"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"

	"github.com/svarsign/svarsign/ent/intercept"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

// TestSendAnswersReceived: SendShipment answers with the shipment as its
// own transaction left it, RECEIVED, as the contract says, even when the
// accept job moves it on the moment the transaction commits. The test
// makes that race certain: any shipment query on the service's client
// after the send's commit first accepts every RECEIVED shipment.
func TestSendAnswersReceived(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.GRPC)
	db := srv.App.DB()
	var armed atomic.Bool
	db.Ent.Shipment.Intercept(intercept.TraverseFunc(func(ctx context.Context, _ intercept.Query) error {
		if !armed.CompareAndSwap(true, false) {
			return nil
		}
		sys := databasetest.Context(t)
		ids, err := db.Ent.Shipment.Query().Where(shipment.StatusEQ(domain.StatusReceived)).IDs(sys)
		if err != nil {
			return err
		}
		return db.InTx(sys, func(ctx context.Context, tx *database.Tx) error {
			for _, id := range ids {
				if _, err := tx.Advance(ctx, id, domain.StatusReceived, domain.StatusAccepted, "Accepted for delivery"); err != nil {
					return err
				}
			}
			return nil
		})
	}))

	armed.Store(true)
	resp, err := c.SendShipment(context.Background(), connect.NewRequest(&svarsignv1.SendShipmentRequest{
		Title:     "Vedtak",
		Recipient: personRecipient(0),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: []byte("hei")}},
	}))
	armed.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Msg.GetShipment().GetStatus(); got != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED {
		t.Errorf("SendShipment answered %v, want RECEIVED", got)
	}
}
