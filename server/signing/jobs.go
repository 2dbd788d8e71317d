package signing

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/store"
)

// ExpireArgs expires one signing order at its deadline.
type ExpireArgs struct {
	ShipmentID uuid.UUID `json:"shipment_id"`
	Deadline   time.Time `json:"deadline"`
}

// Kind implements river.JobArgs.
func (ExpireArgs) Kind() string { return "expire_signing_order" }

// InsertOpts schedules the job at the deadline.
func (a ExpireArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{ScheduledAt: a.Deadline} }

// SweepArgs expires every overdue order; it runs periodically as a safety
// net for expiry jobs that ran early by the service's clock.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "sweep_signing_deadlines" }

type expireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	db  *database.DB
	now func() time.Time
}

func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireArgs]) error {
	now := w.now()
	if d := job.Args.Deadline.Sub(now); d > 0 {
		return river.JobSnooze(d)
	}
	_, err := expire(ctx, w.db, job.Args.ShipmentID, now)
	return err
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	db  *database.DB
	now func() time.Time
	log *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	n, err := expireDue(ctx, w.db, w.now())
	if n > 0 {
		w.log.InfoContext(ctx, "signing orders expired", "count", n)
	}
	return err
}

// Workers registers the signing workers with a queue.
func Workers(db *database.DB, blobs *store.Blobs, now func() time.Time, log *slog.Logger) func(*river.Workers) error {
	return func(ws *river.Workers) error {
		if err := river.AddWorkerSafely(ws, &expireWorker{db: db, now: now}); err != nil {
			return err
		}
		if err := river.AddWorkerSafely(ws, &returnWorker{db: db, blobs: blobs, now: now}); err != nil {
			return err
		}
		return river.AddWorkerSafely(ws, &sweepWorker{db: db, now: now, log: log})
	}
}

// Sweep is the periodic deadline sweep, every interval.
func Sweep(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
