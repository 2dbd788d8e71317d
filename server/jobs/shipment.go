package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/server/database"
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
		moved, err = advance(ctx, tx, id, shipment.StatusRECEIVED, shipment.StatusACCEPTED, acceptedText)
		if err != nil || !moved {
			return err
		}
		client := river.ClientFromContext[*sql.Tx](ctx)
		return insertTx(ctx, client, tx, DeliverShipmentArgs{ShipmentID: id})
	})
	logDone(ctx, w.logger, job.Kind, id, moved, err)
	return err
}

// deliverWorker moves a shipment from ACCEPTED to NOTIFIED. Delivery to the
// built-in mailbox is only this status change; an outside mailbox would be
// called here, before it.
type deliverWorker struct {
	river.WorkerDefaults[DeliverShipmentArgs]
	db     *database.DB
	logger *slog.Logger
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverShipmentArgs]) error {
	id := job.Args.ShipmentID
	var moved bool
	err := w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		var err error
		moved, err = advance(ctx, tx, id, shipment.StatusACCEPTED, shipment.StatusNOTIFIED, notifiedText)
		return err
	})
	logDone(ctx, w.logger, job.Kind, id, moved, err)
	return err
}

// advance moves shipment id from status from to status to and records that
// in its history, reporting whether it did. A shipment that is missing or in
// another status is left alone. The move is a compare-and-set on the status
// column, so a job run twice, even concurrently, records the step once.
func advance(ctx context.Context, tx *database.Tx, id uuid.UUID, from, to shipment.Status, text string) (bool, error) {
	n, err := tx.Ent.Shipment.Update().
		Where(shipment.ID(id), shipment.StatusEQ(from)).
		SetStatus(to).
		Save(ctx)
	if err != nil {
		return false, fmt.Errorf("shipment %s %s->%s: %w", id, from, to, err)
	}
	if n == 0 {
		return false, nil
	}
	if _, err := tx.RecordStatus(ctx, id, to, text); err != nil {
		return false, fmt.Errorf("shipment %s %s->%s: %w", id, from, to, err)
	}
	return true, nil
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
