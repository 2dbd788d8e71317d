package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

// TestStatusRulesOnEveryWrite writes statuses with plain ent calls, past
// RecordStatus, to show that the rules hold for any write: the check is in
// the persistence layer, not in the helper that most code uses.
func TestStatusRulesOnEveryWrite(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		s := createShipment(ctx, t, db.Ent) // RECEIVED

		wantRefused := func(what string, err error) {
			t.Helper()
			if err == nil {
				t.Errorf("%s: allowed", what)
			}
			if got := db.Ent.Shipment.GetX(ctx, s.ID).Status; got != domain.StatusReceived {
				t.Fatalf("%s: status is now %s", what, got)
			}
		}
		var te *domain.TransitionError
		err := db.Ent.Shipment.UpdateOneID(s.ID).SetStatus(domain.StatusRead).Exec(ctx)
		if !errors.As(err, &te) {
			t.Errorf("RECEIVED->READ: err = %v, want a *domain.TransitionError", err)
		}
		wantRefused("RECEIVED->READ", err)
		wantRefused("RECEIVED->RECEIVED", db.Ent.Shipment.UpdateOneID(s.ID).SetStatus(domain.StatusReceived).Exec(ctx))
		wantRefused("unknown status", db.Ent.Shipment.UpdateOneID(s.ID).SetStatus("LOST").Exec(ctx))
		_, err = db.Ent.Shipment.Update().Where(shipment.ID(s.ID)).SetStatus(domain.StatusAccepted).Save(ctx)
		wantRefused("bulk update", err)
		wantRefused("inside a transaction", db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			return tx.Ent.Shipment.UpdateOneID(s.ID).SetStatus(domain.StatusNotified).Exec(ctx)
		}))

		// A new shipment starts as a draft, a sent shipment or an Inbox copy.
		for _, st := range domain.Statuses() {
			err := db.Ent.Shipment.Create().SetOrgID(s.OrgID).SetStatus(st).Exec(ctx)
			if (err == nil) != st.Initial() {
				t.Errorf("create in %s: err = %v", st, err)
			}
		}

		// An allowed change goes through, with ent or with RecordStatus.
		if err := db.Ent.Shipment.UpdateOneID(s.ID).SetStatus(domain.StatusAccepted).Exec(ctx); err != nil {
			t.Fatalf("RECEIVED->ACCEPTED: %v", err)
		}

		// The check is a compare-and-set: an update built on a stale read
		// of the status fails rather than skipping from the wrong status.
		stale := db.Ent.Shipment.GetX(ctx, s.ID) // ACCEPTED
		if err := db.Ent.Shipment.UpdateOne(stale).SetStatus(domain.StatusNotified).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Ent.Shipment.UpdateOne(stale).SetStatus(domain.StatusReadyForPickup).Exec(ctx); !errors.As(err, &te) {
			t.Errorf("ACCEPTED->READY_FOR_PICKUP on a NOTIFIED shipment: err = %v", err)
		}
	})
}

func TestAdvance(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		s := createShipment(ctx, t, db.Ent) // RECEIVED
		advance := func(from, to domain.Status) bool {
			t.Helper()
			var moved bool
			err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) (err error) {
				moved, err = tx.Advance(ctx, s.ID, from, to, "step")
				return err
			})
			if err != nil {
				t.Fatalf("Advance %s->%s: %v", from, to, err)
			}
			return moved
		}
		if !advance(domain.StatusReceived, domain.StatusAccepted) {
			t.Fatal("RECEIVED->ACCEPTED did not move")
		}
		if advance(domain.StatusReceived, domain.StatusAccepted) {
			t.Error("a repeated step moved again")
		}
		if advance(domain.StatusNotified, domain.StatusRead) {
			t.Error("moved from a status the shipment is not in")
		}
		if n := db.Ent.ShipmentEvent.Query().CountX(ctx); n != 1 {
			t.Errorf("%d history entries, want 1", n)
		}
		err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.Advance(ctx, s.ID, domain.StatusAccepted, domain.StatusSentToPrint, "skip")
			return err
		})
		var te *domain.TransitionError
		if !errors.As(err, &te) {
			t.Errorf("Advance ACCEPTED->SENT_TO_PRINT: err = %v, want a *domain.TransitionError", err)
		}
	})
}

func TestSigningStatusRules(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		s := createShipment(ctx, t, db.Ent)
		create := func(st domain.SigningStatus) (*ent.SigningOrder, error) {
			return db.Ent.SigningOrder.Create().SetShipmentID(s.ID).SetOrgID(s.OrgID).
				SetDocumentID(s.ID).SetFileName("a.pdf").SetSignatureType(domain.SignatureAdvanced).
				SetDeadline(s.CreatedAt).SetStatus(st).SetReplyTo("1").SetSignerID("1").Save(ctx)
		}
		if _, err := create(domain.SigningSigned); err == nil {
			t.Error("an order was created SIGNED")
		}
		o, err := create(domain.SigningWaiting)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ent.SigningOrder.Update().Where(signingorder.ID(o.ID)).SetStatus(domain.SigningCancelled).Save(ctx); err == nil {
			t.Error("bulk status update allowed")
		}
		if err := db.Ent.SigningOrder.UpdateOne(o).SetStatus(domain.SigningSigned).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var te *domain.TransitionError
		if err := db.Ent.SigningOrder.UpdateOne(o).SetStatus(domain.SigningCancelled).Exec(ctx); !errors.As(err, &te) {
			t.Errorf("SIGNED->CANCELLED: err = %v", err)
		}
		if got := db.Ent.SigningOrder.GetX(ctx, o.ID).Status; got != domain.SigningSigned {
			t.Errorf("status = %s, want SIGNED", got)
		}
	})
}
