package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
)

// AcceptShipmentArgs asks for a RECEIVED shipment to be accepted for
// delivery.
type AcceptShipmentArgs struct {
	ShipmentID uuid.UUID `json:"shipment_id"`
}

// Kind names the job in the queue; stored jobs depend on it, so it must not change.
func (AcceptShipmentArgs) Kind() string { return "accept_shipment" }

// DeliverShipmentArgs asks for an ACCEPTED shipment to be delivered to the
// recipient's digital mailbox.
type DeliverShipmentArgs struct {
	ShipmentID uuid.UUID `json:"shipment_id"`
}

// Kind names the job in the queue; stored jobs depend on it, so it must not change.
func (DeliverShipmentArgs) Kind() string { return "deliver_shipment" }

// History texts, shown to senders.
const (
	acceptedText = "Accepted for delivery"
	notifiedText = "Delivered to the recipient's digital mailbox; the recipient was notified"
)

func registerShipmentWorkers(workers *river.Workers, db *database.DB, logger *slog.Logger) error {
	if err := river.AddWorkerSafely(workers, &acceptWorker{db: db, logger: logger}); err != nil {
		return err
	}
	return river.AddWorkerSafely(workers, &deliverWorker{db: db, logger: logger})
}

// acceptWorker moves a shipment from RECEIVED to ACCEPTED and queues its
// delivery, in one transaction.
type acceptWorker struct {
	river.WorkerDefaults[AcceptShipmentArgs]
	db     *database.DB
	logger *slog.Logger
}

func (w *acceptWorker) Work(ctx context.Context, job *river.Job[AcceptShipmentArgs]) error {
	id := job.Args.ShipmentID
	var moved bool
	err := w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		var err error
		moved, err = tx.Advance(ctx, id, domain.StatusReceived, domain.StatusAccepted, acceptedText)
		if err != nil || !moved {
			return err
		}
		client := river.ClientFromContext[*sql.Tx](ctx)
		return insertTx(ctx, client, tx, DeliverShipmentArgs{ShipmentID: id})
	})
	logDone(ctx, w.logger, job.Kind, id, moved, err)
	return err
}

// deliverWorker delivers an ACCEPTED shipment. To a person, or to an
// organisation that does not use svarsign, it is NOTIFIED: delivery to the
// built-in mailbox is only this status change (an outside mailbox would be
// called here, before it). To an organisation that uses svarsign it goes to
// that organisation's Inbox (SvarInn) as an incoming copy, in the same
// transaction, and is READY_FOR_PICKUP until the copy is acknowledged.
type deliverWorker struct {
	river.WorkerDefaults[DeliverShipmentArgs]
	db     *database.DB
	logger *slog.Logger
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverShipmentArgs]) error {
	id := job.Args.ShipmentID
	var moved bool
	err := w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		sh, err := tx.Ent.Shipment.Get(ctx, id)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var to *ent.Org
		if sh.RecipientKind == shipment.RecipientKindORGANIZATION {
			to, err = tx.Ent.Org.Query().Where(org.Number(sh.RecipientID)).Only(ctx)
			if err != nil && !ent.IsNotFound(err) {
				return err
			}
		}
		if to == nil {
			moved, err = tx.Advance(ctx, id, domain.StatusAccepted, domain.StatusNotified, notifiedText)
			return err
		}
		moved, err = tx.Advance(ctx, id, domain.StatusAccepted, domain.StatusReadyForPickup,
			fmt.Sprintf("Delivered to the Inbox of %s (%s); ready for pickup", to.Name, to.Number))
		if err != nil || !moved {
			return err
		}
		return copyToInbox(ctx, tx, sh, to)
	})
	logDone(ctx, w.logger, job.Kind, id, moved, err)
	return err
}

// copyToInbox places an incoming copy of sh in the Inbox of org to. The
// copy's documents share the original's stored bytes, which are never
// changed or deleted once sent.
func copyToInbox(ctx context.Context, tx *database.Tx, sh *ent.Shipment, to *ent.Org) error {
	docs, err := sh.QueryDocuments().All(ctx)
	if err != nil {
		return err
	}
	now := tx.Now()
	copyID := uuid.New()
	err = tx.Ent.Shipment.Create().
		SetID(copyID).SetOrgID(to.ID).SetDirection(shipment.DirectionINCOMING).
		SetStatus(domain.StatusReadyForPickup).SetPending(true).SetDeliveredFrom(sh.ID).
		SetSenderOrgNumber(sh.SenderOrgNumber).SetTitle(sh.Title).SetSenderSystem(sh.SenderSystem).
		SetExternalRef(sh.ExternalRef).
		SetRecipientKind(shipment.RecipientKindORGANIZATION).SetRecipientID(to.Number).SetRecipientName(sh.RecipientName).
		SetRecipientAddress(sh.RecipientAddress).SetReplyTo(sh.ReplyTo).SetInReplyTo(sh.InReplyTo).
		SetArchiveMetadata(sh.ArchiveMetadata).SetPrintSettings(sh.PrintSettings).
		SetOnlyDigital(sh.OnlyDigital).SetRequireLevel4(sh.RequireLevel4).
		SetCreatedAt(now).SetSentAt(now).SetUpdatedAt(now).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("creating the Inbox copy of %s: %w", sh.ID, err)
	}
	creates := make([]*ent.DocumentCreate, len(docs))
	for i, d := range docs {
		creates[i] = tx.Ent.Document.Create().SetShipmentID(copyID).
			SetFileName(d.FileName).SetFileNameKey(d.FileNameKey).SetMimeType(d.MimeType).
			SetSize(d.Size).SetSha256(d.Sha256).SetPersonallySensitive(d.PersonallySensitive).
			SetMetadata(d.Metadata).SetBlobKey(d.BlobKey).SetPosition(d.Position)
	}
	if err := tx.Ent.Document.CreateBulk(creates...).Exec(ctx); err != nil {
		return fmt.Errorf("copying documents of %s: %w", sh.ID, err)
	}
	_, err = tx.RecordNote(ctx, copyID, "Received from "+sh.SenderOrgNumber+"; ready for pickup")
	return err
}

// logDone notes the outcome of a committed job; failures are left to River,
// which logs them and schedules the retry.
func logDone(ctx context.Context, logger *slog.Logger, kind string, id uuid.UUID, moved bool, err error) {
	switch {
	case err != nil:
	case moved:
		logger.InfoContext(ctx, "shipment advanced", "job", kind, "shipment_id", id)
	default:
		logger.DebugContext(ctx, "shipment not in the expected status; nothing to do", "job", kind, "shipment_id", id)
	}
}
