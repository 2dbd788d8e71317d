package housekeeping

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/store"
)

// DefaultDraftRetention is how long a draft, a shipment reserved with
// StartShipment but never sent, is kept after it was started or last
// uploaded to.
const DefaultDraftRetention = 7 * 24 * time.Hour

// draftBatch bounds the drafts one run looks at, so a run stays short; the
// next run takes the rest.
const draftBatch = 500

// DraftPurgeArgs is the periodic purge of abandoned drafts.
type DraftPurgeArgs struct{}

// Kind implements river.JobArgs; stored jobs depend on it, so it must not change.
func (DraftPurgeArgs) Kind() string { return "purge_drafts" }

// InsertOpts keeps one draft purge waiting or running at a time.
func (DraftPurgeArgs) InsertOpts() river.InsertOpts { return onlyOne() }

// DeleteBlobsArgs deletes the bytes of documents whose rows are gone. It is
// inserted in the transaction that deleted the rows, so the bytes go only
// after the rows are gone for good, and are not forgotten if the process
// stops in between.
type DeleteBlobsArgs struct {
	Keys []string `json:"keys"`
}

// Kind implements river.JobArgs.
func (DeleteBlobsArgs) Kind() string { return "delete_blobs" }

type draftWorker struct {
	river.WorkerDefaults[DraftPurgeArgs]
	db        *database.DB
	now       func() time.Time
	retention time.Duration
	log       *slog.Logger
}

// Work deletes the drafts of every organisation that have not been touched
// for the retention, with their document rows, and queues their bytes for
// deletion. Each draft goes in a transaction of its own that first claims
// it with a compare-and-set on status and age: a send or an upload that got
// there first leaves it alive, and one that comes later finds it gone.
// Running again deletes nothing twice.
func (w *draftWorker) Work(ctx context.Context, _ *river.Job[DraftPurgeArgs]) error {
	now := w.now().UTC()
	cutoff := now.Add(-w.retention)
	ids, err := w.db.Ent.Shipment.Query().
		Where(shipment.StatusEQ(domain.StatusDraft), shipment.UpdatedAtLT(cutoff)).
		Limit(draftBatch).
		IDs(ctx)
	if err != nil {
		return fmt.Errorf("finding abandoned drafts: %w", err)
	}
	drafts, docs := 0, 0
	for _, id := range ids {
		n, err := w.purgeDraft(ctx, id, cutoff, now)
		if err != nil {
			return fmt.Errorf("purging draft %s: %w", id, err)
		}
		if n >= 0 {
			drafts++
			docs += n
		}
	}
	if drafts > 0 {
		w.log.InfoContext(ctx, "purged abandoned drafts", "drafts", drafts, "documents", docs, "older_than", w.retention)
	}
	return nil
}

// purgeDraft deletes one draft if it is still an untouched draft, and
// reports how many documents it had, or -1 if it was left alone.
func (w *draftWorker) purgeDraft(ctx context.Context, id uuid.UUID, cutoff, now time.Time) (int, error) {
	docs := -1
	err := w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		n, err := tx.Ent.Shipment.Update().
			Where(shipment.ID(id), shipment.StatusEQ(domain.StatusDraft), shipment.UpdatedAtLT(cutoff)).
			SetUpdatedAt(now).
			Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		rows, err := tx.Ent.Document.Query().Where(document.ShipmentID(id)).Select(document.FieldBlobKey).All(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Ent.Document.Delete().Where(document.ShipmentID(id)).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Ent.Shipment.DeleteOneID(id).Exec(ctx); err != nil {
			return err
		}
		docs = len(rows)
		if len(rows) == 0 {
			return nil
		}
		keys := make([]string, len(rows))
		for i, r := range rows {
			keys[i] = r.BlobKey
		}
		_, err = river.ClientFromContext[*sql.Tx](ctx).InsertTx(ctx, tx.SQL, DeleteBlobsArgs{Keys: keys}, nil)
		return err
	})
	return docs, err
}

type blobWorker struct {
	river.WorkerDefaults[DeleteBlobsArgs]
	db    *database.DB
	blobs *store.Blobs
}

// Work deletes each blob no row refers to any more. Deleting a missing blob
// succeeds, so a retry after a partial run is safe.
func (w *blobWorker) Work(ctx context.Context, job *river.Job[DeleteBlobsArgs]) error {
	for _, key := range job.Args.Keys {
		// Document rows may share a blob (a delivered copy shares its
		// original's); none of a draft's is shared, but deleting bytes a
		// row still names would be the one mistake here that cannot be
		// undone, so it is checked.
		used, err := w.db.Ent.Document.Query().Where(document.BlobKey(key)).Exist(ctx)
		if err != nil {
			return err
		}
		if !used {
			used, err = w.db.Ent.SigningOrder.Query().Where(signingorder.SignedBlobKey(key)).Exist(ctx)
			if err != nil {
				return err
			}
		}
		if used {
			continue
		}
		if err := w.blobs.Delete(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// DraftWorkers registers the draft purge and the blob deletion with a
// queue; retention 0 means DefaultDraftRetention.
func DraftWorkers(db *database.DB, blobs *store.Blobs, now func() time.Time, retention time.Duration, log *slog.Logger) func(*river.Workers) error {
	if retention <= 0 {
		retention = DefaultDraftRetention
	}
	return func(ws *river.Workers) error {
		if err := river.AddWorkerSafely(ws, &draftWorker{db: db, now: now, retention: retention, log: log}); err != nil {
			return err
		}
		return river.AddWorkerSafely(ws, &blobWorker{db: db, blobs: blobs})
	}
}

// DraftPeriodic runs the draft purge every interval, and once at start.
func DraftPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return DraftPurgeArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
