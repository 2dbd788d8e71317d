package signing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/jobs"
)

// Spec is a signing order as SendShipment registers it.
type Spec struct {
	ShipmentID    uuid.UUID
	OrgID         int
	DocumentID    uuid.UUID
	FileName      string
	SignatureType domain.SignatureType
	Deadline      time.Time
	RequireLevel4 bool
	ReplyTo       string
	SignerID      string
}

// Register stores a WAITING order with its first history event and queues
// its expiry at the deadline, all in the caller's transaction.
func Register(ctx context.Context, tx *database.Tx, queue jobs.Enqueuer, s Spec) (*ent.SigningOrder, error) {
	o, err := tx.Ent.SigningOrder.Create().
		SetShipmentID(s.ShipmentID).SetOrgID(s.OrgID).
		SetDocumentID(s.DocumentID).SetFileName(s.FileName).
		SetSignatureType(s.SignatureType).SetDeadline(s.Deadline).
		SetStatus(domain.SigningWaiting).SetRequireLevel4(s.RequireLevel4).
		SetReplyTo(s.ReplyTo).SetSignerID(s.SignerID).
		SetCreatedAt(tx.Now()).SetUpdatedAt(tx.Now()).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("storing signing order: %w", err)
	}
	level := "level 3 (substantial)"
	if s.RequireLevel4 {
		level = "level 4 (high)"
	}
	text := fmt.Sprintf("Signing order registered: %s signature of %q, login at %s, deadline %s",
		map[domain.SignatureType]string{domain.SignatureAuthenticated: "authenticated", domain.SignatureAdvanced: "advanced"}[s.SignatureType],
		s.FileName, level, s.Deadline.UTC().Format(time.RFC3339))
	if err := addEvent(ctx, tx, o, text, nil); err != nil {
		return nil, err
	}
	if err := queue.InsertTx(ctx, tx, ExpireArgs{ShipmentID: s.ShipmentID, Deadline: s.Deadline}); err != nil {
		return nil, err
	}
	return o, nil
}

// addEvent records a signing event in the order's history and in the
// organisation's event outbox.
func addEvent(ctx context.Context, tx *database.Tx, o *ent.SigningOrder, text string, returnID *uuid.UUID) error {
	ev, err := tx.Ent.SigningEvent.Create().SetTime(tx.Now()).
		SetSigningOrderID(o.ID).SetOrgID(o.OrgID).SetStatus(o.Status).
		SetText(text).SetNillableReturnShipmentID(returnID).
		Save(ctx)
	if err != nil {
		return err
	}
	sh, err := tx.Ent.Shipment.Get(ctx, o.ShipmentID)
	if err != nil {
		return err
	}
	return tx.AppendEvent(ctx, database.Event{OrgID: o.OrgID, ShipmentID: o.ShipmentID, Time: ev.Time,
		ShipmentStatus: sh.Status, SigningStatus: o.Status, Text: text})
}

// transition moves an order from WAITING to status with a history event,
// atomically: a concurrent change (a signature racing a cancel) makes
// exactly one of them win, and the loser gets FailedPrecondition.
func transition(ctx context.Context, tx *database.Tx, o *ent.SigningOrder, to domain.SigningStatus, text string) (*ent.SigningOrder, error) {
	// The status hook makes this a compare-and-set on the status o was
	// read in: NotFound or a refused transition means another change won.
	updated, err := tx.Ent.SigningOrder.UpdateOne(o).SetStatus(to).SetUpdatedAt(tx.Now()).Save(ctx)
	var te *domain.TransitionError
	if ent.IsNotFound(err) || errors.As(err, &te) {
		return nil, fmt.Errorf("signing order of shipment %s: %w", o.ShipmentID, ErrNotWaiting)
	}
	if err != nil {
		return nil, err
	}
	return updated, addEvent(ctx, tx, updated, text, nil)
}

// expire ends a WAITING order whose deadline has passed by now. It reports
// whether it did; an order that is not due or not waiting is left alone.
func expire(ctx context.Context, db *database.DB, id uuid.UUID, now time.Time) (bool, error) {
	var done bool
	err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err := tx.Ent.SigningOrder.Query().Where(signingorder.ShipmentID(id)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if o.Status != domain.SigningWaiting || now.Before(o.Deadline) {
			return nil
		}
		_, err = transition(ctx, tx, o, domain.SigningExpired, "The deadline passed before the recipient signed")
		done = err == nil
		return err
	})
	return done, err
}

// expireDue expires every WAITING order whose deadline is past.
func expireDue(ctx context.Context, db *database.DB, now time.Time) (int, error) {
	due, err := db.Ent.SigningOrder.Query().
		Where(signingorder.StatusEQ(domain.SigningWaiting), signingorder.DeadlineLTE(now.UTC())). // deadlines are stored in UTC and SQLite compares text
		Select(signingorder.FieldShipmentID).Strings(ctx)
	if err != nil {
		return 0, fmt.Errorf("finding due signing orders: %w", err)
	}
	n := 0
	for _, s := range due {
		ok, err := expire(ctx, db, uuid.MustParse(s), now)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
