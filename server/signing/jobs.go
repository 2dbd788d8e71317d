package signing

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/server/database"
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

// Workers registers the signing workers with a queue
// (jobs.Config.Register); they use DB, Blobs, Logger and Now of cfg.
func Workers(cfg Config) func(*river.Workers) error {
	cfg = cfg.withDefaults()
	return func(ws *river.Workers) error {
		if err := river.AddWorkerSafely(ws, &expireWorker{db: cfg.DB, now: cfg.Now}); err != nil {
			return err
		}
		if err := river.AddWorkerSafely(ws, &returnWorker{db: cfg.DB, blobs: cfg.Blobs}); err != nil {
			return err
		}
		return river.AddWorkerSafely(ws, &sweepWorker{db: cfg.DB, now: cfg.Now, log: cfg.Logger})
	}
}

// Periodic is the deadline sweep, every SweepInterval and once at start
// (jobs.Config.Periodic).
func Periodic(cfg Config) *river.PeriodicJob {
	cfg = cfg.withDefaults()
	return river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepInterval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
