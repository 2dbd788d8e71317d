package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/store"
)

// ReturnArgs returns a signed document to the order's reply_to
// organisation as a new incoming shipment (SvarInn), linked to the original.
type ReturnArgs struct {
	ShipmentID uuid.UUID `json:"shipment_id"`
}

// Kind implements river.JobArgs.
func (ReturnArgs) Kind() string { return "return_signed_document" }

// EvidenceFileName names the evidence document of a returned shipment.
const EvidenceFileName = "signeringsbevis.json"

type returnWorker struct {
	river.WorkerDefaults[ReturnArgs]
	db    *database.DB
	blobs *store.Blobs
	now   func() time.Time
}

// Work is idempotent: an order already returned is left alone, so a retry
// after a crash creates no second return shipment.
func (w *returnWorker) Work(ctx context.Context, job *river.Job[ReturnArgs]) error {
	o, err := w.db.Ent.SigningOrder.Query().Where(signingorder.ShipmentID(job.Args.ShipmentID)).Only(ctx)
	if err != nil {
		return err
	}
	if o.Status != domain.SigningSigned || o.ReturnShipmentID != nil {
		return nil
	}
	// Evidence bytes go to the blob store first; they are dropped if the
	// transaction does not commit.
	evidence := []byte(o.Evidence)
	evKey := "signed/" + o.ShipmentID.String() + "/" + uuid.NewString()
	if _, _, err := w.blobs.Put(ctx, evKey, bytes.NewReader(evidence)); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			w.blobs.Delete(context.WithoutCancel(ctx), evKey)
		}
	}()
	err = w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err := tx.Ent.SigningOrder.Get(ctx, o.ID)
		if err != nil {
			return err
		}
		if o.ReturnShipmentID != nil {
			return nil
		}
		orig, err := tx.Ent.Shipment.Get(ctx, o.ShipmentID)
		if err != nil {
			return err
		}
		to, err := tx.Ent.Org.Query().Where(org.Number(o.ReplyTo)).Only(ctx)
		if err != nil {
			return fmt.Errorf("finding reply_to organisation %s: %w", o.ReplyTo, err)
		}
		now := w.now()
		id := uuid.New()
		err = tx.Ent.Shipment.Create().
			SetID(id).SetOrgID(to.ID).SetDirection(shipment.DirectionINCOMING).
			SetStatus(domain.StatusReadyForPickup).SetPending(true).
			SetSenderOrgNumber(orig.SenderOrgNumber).
			SetTitle("Signert: " + orig.Title).
			SetSenderSystem("svarsign e-signering").
			SetExternalRef(orig.ExternalRef).
			SetRecipientKind(shipment.RecipientKindORGANIZATION).SetRecipientID(o.ReplyTo).SetRecipientName(to.Name).
			SetReplyTo(o.ReplyTo).SetInReplyTo(orig.ID.String()).
			SetCreatedAt(now).SetSentAt(now).SetUpdatedAt(now).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("creating return shipment: %w", err)
		}
		sum := sha256.Sum256(evidence)
		err = tx.Ent.Document.CreateBulk(
			tx.Ent.Document.Create().SetShipmentID(id).SetFileName(SignedFileName(o.FileName)).
				SetFileNameKey(strings.ToLower(SignedFileName(o.FileName))).SetMimeType("application/pdf").
				SetSize(o.SignedSize).SetSha256(o.SignedSha256).SetBlobKey(o.SignedBlobKey).SetPosition(0),
			tx.Ent.Document.Create().SetShipmentID(id).SetFileName(EvidenceFileName).
				SetFileNameKey(EvidenceFileName).SetMimeType("application/json").
				SetSize(int64(len(evidence))).SetSha256(hex.EncodeToString(sum[:])).SetBlobKey(evKey).SetPosition(1),
		).Exec(ctx)
		if err != nil {
			return fmt.Errorf("storing return documents: %w", err)
		}
		if _, err := tx.RecordNote(ctx, id,
			fmt.Sprintf("Signed document returned for shipment %s; ready for pickup", orig.ID)); err != nil {
			return err
		}
		o, err = tx.Ent.SigningOrder.UpdateOne(o).SetReturnShipmentID(id).Save(ctx)
		if err != nil {
			return err
		}
		return addEvent(ctx, tx, o, fmt.Sprintf("Completed: the signed document was returned to %s as shipment %s", o.ReplyTo, id), &id)
	})
	if err != nil {
		return err
	}
	committed = true
	return nil
}
